/** What a console section is: a navigation entry and the pages it adds to the console's router. */
import type { Router } from 'express';
import type { Clock } from '../kernel/clock.js';
import type { Logger } from '../kernel/logger.js';
import type { OpsViews } from '../routes/ops-views.js';
import type { NavEntry } from './layout.js';

export interface SectionContext {
  views: OpsViews;
  clock: Clock;
  logger: Logger;
  /** The navigation, for the pages' frame. */
  nav: NavEntry[];
}

export interface Section extends NavEntry {
  /** Adds the section's routes (paths under `path`); every route is behind sign-in and CSRF already. */
  mount(router: Router, ctx: SectionContext): void;
}
