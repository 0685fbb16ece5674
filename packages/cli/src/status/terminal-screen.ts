import type { WatchLine } from './watch-view.js';

/** The terminal the view is drawn on: Node's `process.stdout` when it is a TTY. */
export interface TerminalOutput {
  write(chunk: string): unknown;
  columns?: number | undefined;
  rows?: number | undefined;
}

// ECMA-48 / xterm control sequences (no dependency: these five are all the view needs).
const CSI = '\x1b[';
/** Cursor to the top left (CUP). */
const HOME = `${CSI}H`;
/** Erase the whole display (ED 2), then what follows the cursor on its line (EL) or below it (ED 0). */
const CLEAR_SCREEN = `${CSI}2J`;
const CLEAR_LINE_END = `${CSI}K`;
const CLEAR_BELOW = `${CSI}J`;
/** DEC private mode 25: text cursor hidden / shown. */
export const HIDE_CURSOR = `${CSI}?25l`;
export const SHOW_CURSOR = `${CSI}?25h`;

const TONES: Record<NonNullable<WatchLine['tone']>, [string, string]> = {
  title: [`${CSI}1m`, `${CSI}22m`],
  bad: [`${CSI}31m`, `${CSI}39m`],
  warn: [`${CSI}33m`, `${CSI}39m`],
};

/** `text` cut to `width` characters (code points), with `...` where it was cut. */
function fit(text: string, width: number): string {
  const chars = [...text];
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 3)).join('')}...`;
}

/**
 * Draws frames in place: each frame starts at the top left and overwrites the one before, line by line, so
 * the terminal does not flicker; lines are cut to the width (one column short of it: writing the last
 * column leaves some terminals waiting to wrap) and the frame to the height. The cursor is hidden while it
 * draws and shown again by {@link TerminalScreen.close}. The last frame stays on the screen after it.
 */
export class TerminalScreen {
  readonly #out: TerminalOutput;
  readonly #colour: boolean;
  #open = false;

  constructor(out: TerminalOutput, colour: boolean) {
    this.#out = out;
    this.#colour = colour;
  }

  /** Draws one frame; `clear` wipes the screen first (the first frame, and after a resize). */
  draw(lines: readonly WatchLine[], clear = false): void {
    const width = Math.max(10, (this.#out.columns || 80) - 1);
    const height = Math.max(3, (this.#out.rows || 24) - 1);
    let shown = lines;
    if (lines.length > height) {
      const more = lines.length - (height - 1);
      shown = [...lines.slice(0, height - 1), { text: `... ${more} more line(s): make the window taller` }];
    }
    const body = shown
      .map((line) => {
        const text = fit(line.text, width);
        const tone = this.#colour && line.tone ? TONES[line.tone] : undefined;
        return `${tone ? `${tone[0]}${text}${tone[1]}` : text}${CLEAR_LINE_END}`;
      })
      .join('\n');
    const start = this.#open ? '' : HIDE_CURSOR;
    this.#open = true;
    this.#out.write(`${start}${clear ? CLEAR_SCREEN : ''}${HOME}${body}\n${CLEAR_BELOW}`);
  }

  /** Shows the cursor again (below the last frame). Safe to call more than once. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#out.write(SHOW_CURSOR);
  }
}
