import { describe, expect, it } from 'vitest';
import { TABLE_DEFS, indexNamed } from '../../src/infra/tables.js';
import { absentOrExpired, and, assignments, expressionsFor, isOneOf, nowValues, or, update } from '../../src/infra/stores/expression.js';

/** The one expression helper every store builds its requests with. */
describe('expression helper', () => {
  const expression = expressionsFor(TABLE_DEFS.conversationBuffer);

  it('when expressions use placeholders, then exactly the names and values they use are listed', () => {
    const built = expression(
      { condition: 'attribute_exists(#sk) AND #status = :status', update: 'SET #owner = :owner' },
      { status: 's', owner: 'o', unused: 1 },
    );
    expect(built).toEqual({
      ConditionExpression: 'attribute_exists(#sk) AND #status = :status',
      UpdateExpression: 'SET #owner = :owner',
      ExpressionAttributeNames: { '#sk': 'sk', '#status': 'status', '#owner': 'owner' },
      ExpressionAttributeValues: { ':status': 's', ':owner': 'o' },
    });
  });

  it('when the same texts are built again, then each request gets its own values and maps (a parsed set is reused, never shared)', () => {
    const text = { condition: '#status = :status', update: 'SET #owner = :owner' };
    const first = expression(text, { status: 'a', owner: 'x' });
    first.ExpressionAttributeNames!['#extra'] = 'extra';
    const second = expression(text, { status: 'b', owner: 'y' });
    expect(second.ExpressionAttributeValues).toEqual({ ':status': 'b', ':owner': 'y' });
    expect(second.ExpressionAttributeNames).toEqual({ '#status': 'status', '#owner': 'owner' });
    // The same text under another part is another set.
    expect(expression({ update: '#status = :status' }, { status: 'c' })).toEqual({
      UpdateExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': 'c' },
    });
  });

  it('when #pk, #sk or #ttl is used, then it names the table key or TTL attribute from TABLE_DEFS', () => {
    const built = expressionsFor(TABLE_DEFS.locks)({ condition: absentOrExpired('pk') }, nowValues(5_000));
    expect(built.ExpressionAttributeNames).toEqual({ '#pk': 'resource', '#ttl': 'ttl' });
    expect(built.ExpressionAttributeValues).toEqual({ ':nowSec': 5 });
  });

  it('when nothing is named or valued, then neither map is present (DynamoDB rejects empty ones)', () => {
    expect(expression({ condition: 'attribute_not_exists(openActionId)' })).toEqual({ ConditionExpression: 'attribute_not_exists(openActionId)' });
  });

  it('when an expression uses a value that was not given, then building it throws', () => {
    expect(() => expression({ condition: '#status = :status' }, {})).toThrow(/:status/);
  });

  it('when update clauses, assignments, joins and lists are composed, then the text is the usual DynamoDB form', () => {
    expect(update({ set: ['a = :a', ...assignments({ b: 1 })], add: ['n :one'], remove: ['c', 'd'] })).toBe('SET a = :a, #b = :b ADD n :one REMOVE c, d');
    expect(update({ remove: ['c'] })).toBe('REMOVE c');
    expect(and('a', undefined, 'b', false, null)).toBe('a AND b');
    expect(or('a', 'b')).toBe('a OR b');
    expect(isOneOf('#status', 'from', ['x', 'y'])).toEqual({ text: '#status IN (:from0, :from1)', values: { from0: 'x', from1: 'y' } });
  });

  it('when an index is looked up by name, then its definition comes back; an unknown name throws', () => {
    expect(indexNamed(TABLE_DEFS.idempotency, 'pending-index').partitionKey.name).toBe('pendingShard');
    expect(() => indexNamed(TABLE_DEFS.idempotency, 'missing-index' as never)).toThrow(/no index/);
  });
});
