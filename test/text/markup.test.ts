import { describe, expect, it } from 'vitest';
import { containsMarkup, INTERJECTION_TAGS, neutraliseMarkup, normaliseMarkup } from '../../src/text/index.js';

describe('neutraliseMarkup', () => {
  it('unwraps every documented interjection tag', () => {
    for (const tag of INTERJECTION_TAGS) {
      const out = neutraliseMarkup(`a (${tag}) b`);
      expect(out.replace(/\s+/g, ' ')).toBe(`a ${tag} b`);
      expect(containsMarkup(out)).toBe(false);
    }
  });

  it('unwraps spaced, nested, capitalised and unknown single-word tags', () => {
    for (const input of ['( laughs )', '((gasps))', '(SIGHS)', '( ( cries ) )', '(Laughs)(coughs)']) {
      expect(containsMarkup(neutraliseMarkup(input)), input).toBe(false);
    }
  });

  it('leaves parentheses around several words', () => {
    expect(neutraliseMarkup('(two words)')).toBe('(two words)');
  });

  it('removes pause markers, valid or not', () => {
    expect(neutraliseMarkup('a<#0.5#>b<#abc#>c').replace(/\s+/g, '')).toBe('abc');
  });

  it('breaks stray marker halves so none can form', () => {
    for (const input of ['<#', '#>', '<##', '<<##>>', '<#<#', '#>#>', '< # >', '<#x', 'x#>']) {
      const out = neutraliseMarkup(input);
      expect(out.includes('<#') || out.includes('#>'), `${input} -> ${out}`).toBe(false);
    }
  });

  it('keeps hashes away from angle brackets only', () => {
    expect(neutraliseMarkup('#1 and C# <3')).toBe('#1 and C# <3');
  });

  it('is linear on long runs of brackets', () => {
    const out = neutraliseMarkup('( '.repeat(50_000) + 'laughs' + ' )'.repeat(50_000));
    expect(containsMarkup(out)).toBe(false);
  });
});

describe('normaliseMarkup (markup allowed)', () => {
  it('keeps a valid pause between words', () => {
    expect(normaliseMarkup('a <#0.5#> b')).toBe('a  <#0.5#>  b');
  });

  it('clamps the pause to MiniMax\'s range and rounds it', () => {
    expect(normaliseMarkup('a <#0#> b')).toContain('<#0.01#>');
    expect(normaliseMarkup('a <#150#> b')).toContain('<#99.99#>');
    expect(normaliseMarkup('a <#1.234#> b')).toContain('<#1.23#>');
  });

  it('merges pauses in a row into the longest', () => {
    expect(normaliseMarkup('a <#1#><#2#> <#0.5#> b').replace(/\s+/g, ' ')).toBe('a <#2#> b');
  });

  it('drops pauses at the start and the end', () => {
    expect(normaliseMarkup('<#1#> a <#1#>').trim()).toBe('a');
  });

  it('drops malformed markers and breaks stray halves', () => {
    const out = normaliseMarkup('a <#x#> b <# c');
    expect(out.replace(/\s+/g, ' ')).toBe('a b < c');
  });

  it('keeps interjection tags', () => {
    expect(normaliseMarkup('ha (laughs)')).toBe('ha (laughs)');
  });
});
