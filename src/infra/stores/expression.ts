import { epochSeconds } from '../../kernel/clock.js';
import type { TableDef } from '../tables.js';

/**
 * The one way stores write DynamoDB expressions. An expression is a plain string with
 * placeholders: `#name` stands for the attribute `name` (`#pk`, `#sk` and `#ttl` for the table's
 * key and TTL attributes, read from its TABLE_DEFS entry), `:value` for `values.value`. The
 * builder lists exactly the names and values the strings use (DynamoDB rejects unused ones) and
 * refuses a placeholder without a value. Values always travel as placeholders: never build a value
 * into the text.
 */
export interface ExpressionText {
  condition?: string;
  update?: string;
  keyCondition?: string;
  filter?: string;
  projection?: string;
}

const FIELDS = {
  condition: 'ConditionExpression',
  update: 'UpdateExpression',
  keyCondition: 'KeyConditionExpression',
  filter: 'FilterExpression',
  projection: 'ProjectionExpression',
} as const;

/** The expression fields of a DynamoDB request, ready to spread into it: one per expression given, and its names and values. */
export type ExpressionInput<T extends ExpressionText = ExpressionText> = { [K in keyof T & keyof typeof FIELDS as (typeof FIELDS)[K]]: string } & {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
};

const NAME = /#([A-Za-z_][A-Za-z0-9_]*)/g;
const VALUE = /:([A-Za-z_][A-Za-z0-9_]*)/g;

const PARTS = Object.entries(FIELDS) as [keyof ExpressionText, (typeof FIELDS)[keyof ExpressionText]][];

/** What one set of expression texts needs, read once: its request fields, its names (aliased) and the values it uses. */
interface Parsed {
  fields: [string, string][];
  names: Record<string, string> | null;
  /** Each value's name and its placeholder (`now`, `:now`). */
  values: [string, string][];
}

/** Pure: the fields, names (with the table's aliases) and values of a set of texts. */
function parse(text: ExpressionText, aliases: Record<string, string>): Parsed {
  const fields: [string, string][] = [];
  const names: Record<string, string> = {};
  const values = new Set<string>();
  for (const [part, field] of PARTS) {
    const expression = text[part];
    if (!expression) continue;
    fields.push([field, expression]);
    for (const m of expression.matchAll(NAME)) names[`#${m[1]}`] = aliases[m[1]] ?? m[1];
    for (const m of expression.matchAll(VALUE)) values.add(m[1]);
  }
  return { fields, names: Object.keys(names).length ? names : null, values: [...values].map((v): [string, string] => [v, `:${v}`]) };
}

/** Texts are a handful of constants per store, so each set is parsed once; built ones (IN lists) are bounded by starting over. */
const PARSED_MAX = 2_000;

/**
 * The parsed sets, found by their texts one part at a time: no key string is built per call (a
 * joined key was copied and hashed whole on every lookup; a constant text keeps its hash).
 */
interface Level {
  next: Map<string, Level>;
  parsed?: Parsed;
}

/** Pure: the expression builder for one table (its key and TTL aliases). */
export function expressionsFor(def: TableDef) {
  const aliases: Record<string, string> = { pk: def.partitionKey.name };
  if (def.sortKey) aliases.sk = def.sortKey.name;
  if (def.ttlAttribute) aliases.ttl = def.ttlAttribute;
  let root: Level = { next: new Map() };
  let count = 0;

  function parsedOf(text: ExpressionText): Parsed {
    let level = root;
    for (const [part] of PARTS) {
      const value = text[part] ?? '';
      let next = level.next.get(value);
      if (!next) {
        next = { next: new Map() };
        level.next.set(value, next);
      }
      level = next;
    }
    if (!level.parsed) {
      if (count >= PARSED_MAX) {
        root = { next: new Map() };
        count = 0;
        return parsedOf(text);
      }
      level.parsed = parse(text, aliases);
      count++;
    }
    return level.parsed;
  }

  return function expression<T extends ExpressionText>(text: T, values: Record<string, unknown> = {}): ExpressionInput<T> {
    const parsed = parsedOf(text);
    const input: Record<string, unknown> = {};
    for (const [field, expression] of parsed.fields) input[field] = expression;
    if (parsed.names) input.ExpressionAttributeNames = { ...parsed.names };
    if (parsed.values.length) {
      const used: Record<string, unknown> = {};
      for (const [value, placeholder] of parsed.values) {
        if (values[value] === undefined) throw new Error(`expression uses ${placeholder} but no value was given`);
        used[placeholder] = values[value];
      }
      input.ExpressionAttributeValues = used;
    }
    return input as ExpressionInput<T>;
  };
}

/** Pure: an UpdateExpression from its clauses (empty clauses left out). */
export function update({ set = [], add = [], remove = [] }: { set?: string[]; add?: string[]; remove?: string[] }): string {
  return [set.length ? `SET ${set.join(', ')}` : '', add.length ? `ADD ${add.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
}

/** Pure: `#field = :field` for each field; pass the same record among the values. */
export const assignments = (fields: Record<string, unknown>): string[] => Object.keys(fields).map((field) => `#${field} = :${field}`);

/** A condition part, or nothing (left out). */
type Part = string | false | null | undefined;

/** Pure: the parts joined by AND (absent parts left out). */
export const and = (...parts: Part[]) => parts.filter(Boolean).join(' AND ');
/** Pure: the parts joined by OR (absent parts left out). */
export const or = (...parts: Part[]) => parts.filter(Boolean).join(' OR ');

/** Pure: `<operand> IN (:prefix0, :prefix1, …)` and the values it names. */
export function isOneOf(operand: string, prefix: string, list: readonly unknown[]): { text: string; values: Record<string, unknown> } {
  const values = Object.fromEntries(list.map((item, i) => [`${prefix}${i}`, item]));
  return {
    text: `${operand} IN (${Object.keys(values)
      .map((v) => `:${v}`)
      .join(', ')})`,
    values,
  };
}

// Named condition parts. TTL deletion lags (by days in AWS, about a second in DynamoDB Local), so
// every condition treats an item past its TTL as absent.
/** The item (named by its key placeholder) is absent, or past its TTL. */
export const absentOrExpired = (key: string) => `(attribute_not_exists(#${key}) OR #ttl < :nowSec)`;
/** The item exists and is not past its TTL. */
export const presentAndLive = (key: string) => `(attribute_exists(#${key}) AND #ttl >= :nowSec)`;
/** The item is not past its TTL. */
export const LIVE = '#ttl >= :nowSec';

/** The values the named parts compare with: `now` (epoch ms) and `nowSec` (epoch seconds). */
export const nowValues = (now: number) => ({ now, nowSec: epochSeconds(now) });
