/**
 * A message's feeling, for servers that turn expressiveness on (issue 19): its emoji and punctuation give a
 * MiniMax `emotion`, and written laughter ("lol", "www", "哈哈") can become speech-2.8's `(laughs)` tag. Pure.
 */

/** The emotions a message can show (each valid on every model; calm, fluent and whisper are chosen, not guessed). */
export type MessageEmotion = 'happy' | 'sad' | 'angry' | 'fearful' | 'disgusted' | 'surprised';

const EMOJI: readonly [MessageEmotion, RegExp][] = [
  ['happy', /[😀😃😄😁😆😊🙂😍🥰😘😂🤣🥳🎉😺😸❤💕💖👍✨]/u],
  ['sad', /[😢😭😞😔😟🙁☹😿💔🥺]/u],
  ['angry', /[😠😡🤬💢👿]/u],
  ['fearful', /[😨😰😱😧🫣]/u],
  ['disgusted', /[🤢🤮😖🤧]/u],
  ['surprised', /[😮😯😲🤯😳]/u],
];

/** Text emoticons, after the emoji. */
const EMOTICONS: readonly [MessageEmotion, RegExp][] = [
  ['happy', /(?:^|\s)(?:[:;=]-?[)D]|\^\^|\^_\^)(?=\s|$)/u],
  ['sad', /(?:^|\s)(?:[:=]'?-?\(|T_T|;_;)(?=\s|$)/u],
];

/** The emotion a message shows, or undefined when it shows none clearly (two different emotions count as none). */
export function emotionOf(text: string): MessageEmotion | undefined {
  const found = new Set<MessageEmotion>();
  for (const [emotion, pattern] of [...EMOJI, ...EMOTICONS]) if (pattern.test(text)) found.add(emotion);
  if (found.size === 1) return [...found][0];
  if (found.size > 1) return undefined;
  if (/\?!|!\?/u.test(text)) return 'surprised';
  // Shouting: several words in capitals with an exclamation mark.
  if (/!/u.test(text) && (text.match(/\b\p{Lu}{3,}\b/gu)?.length ?? 0) >= 2) return 'angry';
  if (/!{2,}/u.test(text)) return 'happy';
  return undefined;
}

/**
 * Written laughter, as a whole word among Latin letters (CJK writes it straight after the words): lol, lmao, rofl,
 * haha, hehe, jaja, kkkk, www, 哈哈, ㅋㅋ, (笑).
 */
const LAUGHTER = /(?<![\p{Script=Latin}\p{N}])(?:lo+l+|lmf?ao+|rofl|(?:ha){2,}h?|(?:he){2,}|(?:ja){2,}|k{4,}|w{3,}|ｗ{2,}|哈{2,}|ㅋ{2,}|ㅎ{2,}|（笑）|\(笑\))(?![\p{Script=Latin}\p{N}.])/giu;

/** `text` with each written laugh replaced by MiniMax's `(laughs)` interjection (speech-2.8 models only). */
export function laughterAsTags(text: string): string {
  return text.replace(LAUGHTER, '(laughs)');
}
