/** Attachments and stickers -> a short phrase ("an image", "2 images and a file", "a sticker: pepe"). */
import { cleanName } from './names.js';
import type { AttachmentKind, MessageInput } from './types.js';

const KINDS: readonly { kind: AttachmentKind; one: string; many: string }[] = [
  { kind: 'image', one: 'an image', many: 'images' },
  { kind: 'video', one: 'a video', many: 'videos' },
  { kind: 'audio', one: 'an audio file', many: 'audio files' },
  { kind: 'file', one: 'a file', many: 'files' },
];
const list = new Intl.ListFormat('en', { style: 'long', type: 'conjunction' });

/** The phrase naming a message's attachments and stickers, or null when it has none. */
export function describeAttachments(
  attachments: MessageInput['attachments'] = [],
  stickers: MessageInput['stickers'] = [],
): string | null {
  const parts: string[] = [];
  for (const { kind, one, many } of KINDS) {
    const count = attachments.filter((a) => a.kind === kind).length;
    if (count > 0) parts.push(count === 1 ? one : `${String(count)} ${many}`);
  }
  if (stickers.length === 1) {
    const name = cleanName(stickers[0]?.name ?? '');
    parts.push(name === '' ? 'a sticker' : `a sticker: ${name}`);
  } else if (stickers.length > 1) {
    parts.push(`${String(stickers.length)} stickers`);
  }
  return parts.length === 0 ? null : list.format(parts);
}
