import { describe, expect, it } from 'vitest';
import { buildMetaMessageBody } from '../../../src/channels/meta/payload.js';
import { truncateChars } from '../../../src/channels/text.js';

const msg = (text: string, buttons?: { id: string; title: string }[]) => ({ to: '5511999990001', outboxId: 'out-1', reply: { text, buttons } });

describe('buildMetaMessageBody', () => {
  it('when the reply is text only, then a text body with preview off and the outbox id as callback data', () => {
    expect(buildMetaMessageBody(msg('Olá!'))).toEqual({
      adjustments: [],
      body: {
        messaging_product: 'whatsapp',
        recipient_type: 'individual',
        to: '5511999990001',
        biz_opaque_callback_data: 'out-1',
        type: 'text',
        text: { body: 'Olá!', preview_url: false },
      },
    });
  });

  it('when the reply has buttons, then interactive reply buttons', () => {
    const { body, adjustments } = buildMetaMessageBody(
      msg('Confirma sua presença?', [
        { id: 'yes', title: 'Sim' },
        { id: 'no', title: 'Não' },
      ]),
    );
    expect(adjustments).toEqual([]);
    expect(body).toMatchObject({
      type: 'interactive',
      biz_opaque_callback_data: 'out-1',
      interactive: {
        type: 'button',
        body: { text: 'Confirma sua presença?' },
        action: {
          buttons: [
            { type: 'reply', reply: { id: 'yes', title: 'Sim' } },
            { type: 'reply', reply: { id: 'no', title: 'Não' } },
          ],
        },
      },
    });
    expect(body).not.toHaveProperty('text');
  });

  it('when there are more than 3 buttons or a title over 20 chars, then they are cut to fit and reported', () => {
    const { body, adjustments } = buildMetaMessageBody(
      msg('Escolha', [
        { id: 'a', title: 'Uma opção com título bem comprido' },
        { id: 'b', title: 'B' },
        { id: 'c', title: 'C' },
        { id: 'd', title: 'D' },
      ]),
    );
    const buttons = (body as any).interactive.action.buttons;
    expect(buttons).toHaveLength(3);
    expect(buttons[0].reply.title).toBe('Uma opção com títul…');
    expect(Array.from(buttons[0].reply.title as string)).toHaveLength(20);
    expect(adjustments).toEqual(['buttons_truncated:4->3', 'button_title_truncated:a']);
  });

  it('when button titles collide or an id is empty, then the message falls back to text', () => {
    for (const buttons of [
      [
        { id: 'a', title: 'Same' },
        { id: 'b', title: 'Same' },
      ],
      [{ id: '', title: 'Sim' }],
      [{ id: 'x'.repeat(257), title: 'Sim' }],
    ]) {
      const { body, adjustments } = buildMetaMessageBody(msg('Pergunta', buttons));
      expect(body).toMatchObject({ type: 'text', text: { body: 'Pergunta' } });
      expect(adjustments).toContain('buttons_dropped_invalid');
    }
  });

  it('when the body is longer than 1024 chars with buttons, then plain text (buttons dropped)', () => {
    const { body, adjustments } = buildMetaMessageBody(msg('x'.repeat(1025), [{ id: 'yes', title: 'Sim' }]));
    expect(body).toMatchObject({ type: 'text' });
    expect(adjustments).toEqual(['buttons_dropped_body_too_long']);
  });

  it('when the text is longer than 4096 chars, then it is cut to 4096 ending with an ellipsis', () => {
    const { body, adjustments } = buildMetaMessageBody(msg('a'.repeat(5000)));
    const text = (body as any).text.body as string;
    expect(text).toHaveLength(4096);
    expect(text.endsWith('…')).toBe(true);
    expect(adjustments).toEqual(['text_truncated']);
  });
});

describe('truncateChars', () => {
  it('when cutting text with emoji, then surrogate pairs are never split', () => {
    expect(truncateChars('😀😀😀😀', 3)).toBe('😀😀…');
    expect(truncateChars('curto', 20)).toBe('curto');
  });
});
