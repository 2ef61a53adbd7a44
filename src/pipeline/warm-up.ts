import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConversationEngine, EngineContext, EngineEvent } from '../contracts/engine.js';
import type { UnderstandingService } from '../contracts/understanding.js';
import type { TableNames } from '../infra/tables.js';

/** What a caregiver writes in a first minute: greetings, yes/no, vitals, notes, finalisation topics. */
const SAMPLES = [
  'oi, bom dia',
  'sim',
  'não',
  'PA 12x8 FC 78 FR 18 sat 97 temp 36,5 ar ambiente',
  'paciente tranquilo, aceitou bem a dieta',
  'acabou a fralda',
  'quero finalizar o plantão',
  'sem informações',
  'confirmo minha presença',
  'ajuda',
];
/** Parallel requests per table: opens as many keep-alive sockets as a burst of turns uses. */
const SOCKETS = 8;

export interface WarmUpDeps {
  doc: DynamoDBDocumentClient;
  tables: Pick<TableNames, 'sessions' | 'idempotency' | 'locks' | 'conversationBuffer'>;
  engine: ConversationEngine<unknown>;
  /** The deterministic rules only: warming never calls OpenAI or any backend. */
  rules: UnderstandingService;
  /** More pure work of the hot paths, run once per round (the Meta signature check and parse of a sample delivery). */
  extras?: (() => unknown)[];
  /** Rounds over the samples (WARM_UP_ROUNDS): 30 are enough for V8 to optimise the hot functions before the first delivery. */
  rounds: number;
  now: () => number;
}

/**
 * Warms what a fresh process does slowly on its first deliveries, before /readyz says ready:
 * the DynamoDB client (keep-alive sockets, signing, (un)marshalling, the transaction path) with
 * reads of absent keys, a failing condition and a transaction of condition checks (nothing is
 * written), fetch's first load, and the engine, its state schema, the understanding rules and
 * the caller's `extras` on sample messages. Backend calls the
 * engine asks for are answered with a failure here, never sent. Returns the time it took (ms).
 */
export async function warmUp(deps: WarmUpDeps): Promise<number> {
  const started = performance.now();
  const { doc, tables } = deps;
  const absent = `warmup#${deps.now()}`;
  const keys = [
    { TableName: tables.sessions, Key: { sessionId: absent } },
    { TableName: tables.idempotency, Key: { idempotencyKey: absent } },
    { TableName: tables.locks, Key: { resource: absent } },
  ];
  const dynamo = Promise.all(
    Array.from({ length: SOCKETS }, async () => {
      for (const key of keys) await doc.send(new GetCommand({ ...key, ConsistentRead: true }));
      // A condition that fails: the path of every duplicate delivery and busy lock (it writes nothing).
      await doc
        .send(
          new UpdateCommand({
            ...keys[1],
            UpdateExpression: 'SET #w = :w',
            ConditionExpression: 'attribute_exists(#w)',
            ExpressionAttributeNames: { '#w': 'warmup' },
            ExpressionAttributeValues: { ':w': 1 },
          }),
        )
        .catch((error: Error) => {
          if (error.name !== 'ConditionalCheckFailedException') throw error;
        });
      await doc.send(
        new TransactWriteCommand({
          TransactItems: [
            ...keys.map((key) => ({
              ConditionCheck: { ...key, ConditionExpression: 'attribute_not_exists(#k)', ExpressionAttributeNames: { '#k': Object.keys(key.Key)[0] } },
            })),
            {
              ConditionCheck: {
                TableName: tables.conversationBuffer,
                Key: { sessionId: absent, sk: 'm#0' },
                ConditionExpression: 'attribute_not_exists(sk)',
              },
            },
          ],
        }),
      );
    }),
  );
  // fetch (the Meta sender, OpenAI) loads and compiles undici on its first call: a data: URL does that with no traffic.
  const fetched = Promise.all(Array.from({ length: 4 }, () => fetch('data:application/json,{}').then((r) => r.json())));
  await Promise.all([dynamo, fetched, warmEngine(deps)]);
  return performance.now() - started;
}

/** The engine and the rules on the samples, state schema included; a call the engine asks for fails here. */
async function warmEngine({ engine, rules, extras = [], rounds, now }: WarmUpDeps) {
  let n = 0;
  const ctx: EngineContext = { now: now(), newId: () => `warmup${n++}`, pendingActionTtlMs: 600_000, resumeTtlMs: 1_800_000, buttons: true };
  for (let round = 0; round < rounds; round++) {
    for (const extra of extras) extra();
    let state = engine.initialState('5500000000000', '5500000000000');
    for (const [i, text] of SAMPLES.entries()) {
      const message = {
        provider: 'meta' as const,
        messageId: `warmup.${round}.${i}`,
        sessionId: '5500000000000',
        phone: '5500000000000',
        text,
        type: 'text',
        timestamp: ctx.now,
      };
      let event: EngineEvent = { type: 'message', message, understanding: await rules.understand(text, engine.expectation(state, ctx.now)) };
      for (let step = 0; step < 4; step++) {
        const decision = engine.decide(state, event, ctx);
        state = engine.stateSchema.parse(JSON.parse(JSON.stringify(decision.state)));
        const call = decision.effects.find((e) => 'callId' in e);
        if (!call || !('callId' in call)) break;
        event = { type: 'call.result', callId: call.callId, ok: false, error: { code: 'warmup', message: 'not sent while warming up', retryable: false } };
      }
    }
  }
}
