import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planFrom } from '../../bench/plan.js';

const ROOT = '/repo';

describe('npm run bench: where the report goes', () => {
  it('a full run writes the committed results, bench/results/latest.md', () => {
    expect(planFrom({ quick: false }, ROOT).out).toBe(resolve(ROOT, 'bench/results/latest.md'));
  });

  it('--quick writes bench/results/quick.md, never the committed results', () => {
    expect(planFrom({ quick: true }, ROOT).out).toBe(resolve(ROOT, 'bench/results/quick.md'));
    expect(() => planFrom({ quick: true, out: 'bench/results/latest.md' }, ROOT)).toThrow(/--quick never writes bench\/results\/latest\.md.*not comparable/);
    expect(() => planFrom({ quick: true, out: './bench/../bench/results/latest.md' }, ROOT)).toThrow(/--quick never writes/);
    expect(planFrom({ quick: true, out: 'elsewhere.md' }, ROOT).out).toBe(resolve(ROOT, 'elsewhere.md'));
  });

  it('the scale part alone writes bench/results/scale.md, and never over the whole bench report', () => {
    expect(planFrom({ quick: false, only: 'scale' }, ROOT).out).toBe(resolve(ROOT, 'bench/results/scale.md'));
    expect(planFrom({ quick: false, only: 'scale,load' }, ROOT).out).toBe(resolve(ROOT, 'bench/results/latest.md'));
    expect(planFrom({ quick: true, only: 'scale' }, ROOT).out).toBe(resolve(ROOT, 'bench/results/quick.md'));
    expect(() => planFrom({ quick: true, only: 'scale', out: 'bench/results/scale.md' }, ROOT)).toThrow(/--quick never writes bench\/results\/scale\.md/);
  });

  it('--only picks parts and names the known ones when a part is unknown', () => {
    expect([...planFrom({ quick: true, only: 'load, e2e' }, ROOT).parts]).toEqual(['load', 'e2e']);
    expect(() => planFrom({ quick: false, only: 'speed' }, ROOT)).toThrow('unknown part "speed"; usage: npm run bench -- [--quick] [--only e2e,load,pipeline,fidelity,scale] [--out FILE]');
  });
});
