import { describe, expect, it } from 'vitest';
import { HIDE_CURSOR, SHOW_CURSOR, TerminalScreen } from './terminal-screen.js';

function terminal(columns: number, rows: number) {
  const written: string[] = [];
  return { out: { columns, rows, write: (s: string) => written.push(s) }, written };
}

const visibleLines = (frame: string) =>
  frame
    .replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    .split('\n')
    .filter((l) => l !== '');

describe('the terminal screen of status --watch', () => {
  it('hides the cursor once, redraws from the top left, and shows the cursor again on close', () => {
    const { out, written } = terminal(80, 24);
    const screen = new TerminalScreen(out, false);
    screen.draw([{ text: 'one' }], true);
    screen.draw([{ text: 'two' }]);
    screen.close();
    screen.close();
    expect(written).toEqual([
      `${HIDE_CURSOR}\x1b[2J\x1b[Hone\x1b[K\n\x1b[J`,
      '\x1b[Htwo\x1b[K\n\x1b[J',
      SHOW_CURSOR,
    ]);
  });

  it('cuts lines to one column short of the width and the frame to the height', () => {
    const { out, written } = terminal(20, 5);
    const screen = new TerminalScreen(out, false);
    screen.draw(Array.from({ length: 10 }, (_, i) => ({ text: `line ${i} ${'x'.repeat(30)}` })));
    const lines = visibleLines(written[0]!);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('line 0 xxxxxxxxx...');
    expect(lines[3]).toBe('... 7 more line(...');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(19);
  });

  it('colours by tone only when asked to', () => {
    const lines = [{ text: 'failed', tone: 'bad' as const }];
    const coloured = terminal(80, 24);
    new TerminalScreen(coloured.out, true).draw(lines);
    expect(coloured.written[0]).toContain('\x1b[31mfailed\x1b[39m');
    const plain = terminal(80, 24);
    new TerminalScreen(plain.out, false).draw(lines);
    expect(plain.written[0]).not.toContain('\x1b[31m');
  });
});
