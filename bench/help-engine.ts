import { z } from 'zod';
import type { ConversationEngine } from '../src/contracts/engine.js';

const helpState = z.object({ turns: z.number().int().nonnegative() });
export type HelpState = z.infer<typeof helpState>;

/** The smallest engine: counts turns and answers with help, so the pipeline benchmark measures the pipeline, not the flows. */
export function createHelpEngine(): ConversationEngine<HelpState> {
  return {
    stateSchema: helpState,
    initialState: () => ({ turns: 0 }),
    expectation: () => ({ expecting: 'none' }),
    decide: (state) => ({
      state: { turns: state.turns + 1 },
      replies: [{ text: 'Olá! Posso ajudar com presença, sinais vitais, notas e finalização do plantão.' }],
      effects: [],
    }),
  };
}
