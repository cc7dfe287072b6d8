import { describe, expect, it } from 'vitest';
import { emotionOf, laughterAsTags } from '../../src/text/expression.js';

describe('emotionOf', () => {
  it.each([
    ['We won the final 🎉', 'happy'],
    ['That is so sweet :)', 'happy'],
    ['My cat is sick 😢', 'sad'],
    ['missed the bus again :(', 'sad'],
    ['who took my charger 😡', 'angry'],
    ['there is a spider in my room 😱', 'fearful'],
    ['the fridge smells 🤢', 'disgusted'],
    ['wait, he said yes?!', 'surprised'],
    ['I CANNOT BELIEVE THIS HAPPENED!', 'angry'],
    ['see you tomorrow!!', 'happy'],
  ] as const)('%j shows %s', (text, emotion) => {
    expect(emotionOf(text)).toBe(emotion);
  });

  it.each(['see you at eight', 'is it raining?', 'ok!', 'happy 😄 and sad 😢 at once', 'NASA and ESA launched it.'])('%j shows none', (text) => {
    expect(emotionOf(text)).toBeUndefined();
  });
});

describe('laughterAsTags', () => {
  it.each([
    ['lol that was close', '(laughs) that was close'],
    ['LMAO', '(laughs)'],
    ['hahaha no way', '(laughs) no way'],
    ['それなwww', 'それな(laughs)'],
    ['太好笑了哈哈哈', '太好笑了(laughs)'],
    ['ㅋㅋㅋ 진짜', '(laughs) 진짜'],
  ])('%j becomes %j', (text, expected) => {
    expect(laughterAsTags(text)).toBe(expected);
  });

  it.each(['lollipop', 'Lola is here', 'go to www.example.com', 'the hall', 'shehe'])('leaves %j alone', (text) => {
    expect(laughterAsTags(text)).toBe(text);
  });
});
