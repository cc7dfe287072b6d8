/** Seeded generator of hostile Discord messages for the property tests (no dependency, reproducible). */

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG. */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Gen {
  constructor(readonly next: () => number) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  digits(count: number): string {
    let out = '';
    for (let i = 0; i < count; i++) out += String(this.int(0, 9));
    return out;
  }

  snowflake(): string {
    return String(this.int(1, 9)) + this.digits(this.int(16, 19));
  }

  /** Any code point, or a lone surrogate half, or a control character. */
  codePoint(): string {
    const kind = this.int(0, 9);
    if (kind === 0) return String.fromCharCode(this.int(0xd800, 0xdfff)); // lone surrogate half
    if (kind === 1) return String.fromCharCode(this.int(0, 0x1f)); // C0 control
    if (kind === 2) return String.fromCodePoint(this.int(0x80, 0x9f)); // C1 control
    if (kind <= 4) return String.fromCodePoint(this.int(0x10000, 0x10ffff)); // astral, any plane
    if (kind === 5) return String.fromCodePoint(this.int(0x1f300, 0x1faff)); // emoji blocks
    let cp = this.int(0x20, 0xffff);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x41;
    return String.fromCodePoint(cp);
  }

  word(): string {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    let out = '';
    for (let i = this.int(1, 12); i > 0; i--) out += letters.charAt(this.int(0, letters.length - 1));
    return out;
  }

  repeat(piece: string, min: number, max: number): string {
    return piece.repeat(this.int(min, max));
  }

  /** One hostile fragment. */
  fragment(): string {
    const invisibles = ['\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u180e', '\u034f', '\u3164', '\u2800', '\u{E0041}'];
    const bidi = ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f'];
    const emoji = ['👨‍👩‍👧‍👦', '🏳️‍🌈', '👍🏽', '🇫🇷', '1️⃣', '❤️', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '😂', '🦩', '🤦‍♂️'];
    const markup = ['<#0.5#>', '<#', '#>', '(laughs)', '( Sighs )', '((gasps))', '(', ')', '<', '>', '#', '<#99#>', '<#1e9#>'];
    const markdown = ['**', '__', '*', '_', '~~', '||', '`', '```', '> ', '>>> ', '# ', '-# ', '- ', '\\', '[', '](', ')'];
    switch (this.int(0, 23)) {
      case 0: {
        let out = '';
        for (let i = this.int(1, 40); i > 0; i--) out += this.codePoint();
        return out;
      }
      case 1:
        return this.word() + ' ';
      case 2: {
        let out = this.word().charAt(0);
        for (let i = this.int(1, 60); i > 0; i--) out += String.fromCodePoint(this.int(0x300, 0x36f));
        return out;
      }
      case 3:
        return this.repeat(this.pick(invisibles), 1, 3000);
      case 4:
        return this.pick(bidi) + this.word() + this.pick(bidi);
      case 5:
        return this.repeat(this.pick(emoji), 1, 300);
      case 6:
        return this.pick([`<@${this.snowflake()}>`, `<@!${this.snowflake()}>`, `<@&${this.snowflake()}>`, `<#${this.snowflake()}>`]);
      case 7:
        return this.repeat(`<@${this.snowflake()}>`, 1, 500);
      case 8:
        return this.pick([`<:${this.word()}:${this.snowflake()}>`, `<a:${this.word()}_x:${this.snowflake()}>`]);
      case 9:
        return `<t:${this.digits(this.int(1, 16))}${this.pick(['', ':R', ':t', ':F', ':x'])}>`;
      case 10:
        return `</${this.word()} ${this.word()}:${this.snowflake()}>`;
      case 11:
        return this.pick(['https://', 'http://', 'www.', '<https://', '[a](https://']) + this.word() + '.com/' + this.word() + this.pick(['', '>', ')', '.', '(x)']);
      case 12:
        return this.repeat(this.pick(markdown), 1, 200);
      case 13:
        return `**__~~||${this.word()}||~~__**`.repeat(this.int(1, 20));
      case 14:
        return this.repeat(this.pick(markup), 1, 400);
      case 15:
        return this.repeat(this.pick(['( ', '<#', '#>', ') ', '((', '( ( laughs ) )', '<#<#', '#>#>']), 1, 2000);
      case 16:
        return this.digits(this.int(1, 40)) + ' ';
      case 17:
        return this.repeat(this.pick(['o', '!', '?!', 'ha', 'lol', '.', ' ', '\n']), 1, 3000);
      case 18:
        return this.repeat('`', 1, 9) + this.word() + this.repeat('`', 0, 9);
      case 19:
        return this.repeat('\n', 1, 50) + this.pick(['> ', '# ', '- ']) + this.word();
      case 20:
        return this.repeat(this.pick(['||', '```', '``', '[', '<@', '<t:', '<:', '@everyone', '@here']), 1, 1000);
      case 21:
        return this.pick(['こんにちは。', 'مرحبا بالعالم', 'שָׁלוֹם', 'ज़ोर', 'Xin chào', '你好世界！', 'Привет, мир.']);
      case 22:
        return this.repeat(String.fromCodePoint(this.int(0x41, 0x10ffff)), 1, 100);
      default:
        return this.word() + this.pick([' ', '. ', '! ', '? ', ', ', '\n']);
    }
  }

  /** A message of roughly `target` UTF-16 units built from hostile fragments. */
  message(target: number): string {
    const parts: string[] = [];
    let length = 0;
    while (length < target) {
      const part = this.fragment();
      parts.push(part);
      length += part.length;
    }
    return parts.join('');
  }
}
