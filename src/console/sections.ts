/**
 * The console's sections, in navigation order. A new section (flux control, privacy) is one file
 * exporting a `Section` and one entry here; the navigation and the routes follow from this list.
 */
import { conversationsSection } from './conversations.js';
import { fluxSection } from './flux.js';
import { healthSection } from './health.js';
import type { Section } from './section.js';
import { tablesSection } from './tables.js';
import { workflowsSection } from './workflows.js';

export const SECTIONS: readonly Section[] = [conversationsSection, workflowsSection, fluxSection, healthSection, tablesSection];
