// The live terminal view on a real pseudo-terminal (issue 14): `symbiont run` under script(1)
// at 40, 60 and 120 columns and 12 rows, with CJK, emoji and long descriptions and simulated
// latencies so that the view redraws many times. The bytes the terminal received go through a
// small terminal emulator (a cell grid with auto-wrap and scrolling, as a VT100 behaves) that
// knows only the sequences the view may use; the test checks that while the view is up nothing
// wraps, no frame takes more lines than the view owns (rows - 1), and every redraw starts on
// the view's own first line (never above it: it never moves up more lines than it printed).

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempHome } from './cli-helpers.js';

const ROWS = 12;

/** Twelve steps (more than 12 rows can show with their notes): CJK, Hangul, emoji, long text. */
const PLAN = {
  subtasks: [
    {
      description: '收集关于日本东京的历史资料并且整理成一份很长很长的报告 [[sim latency=900 chars=300]]',
      tier_hint: 1,
    },
    {
      description:
        'A very long English description that goes on and on about gathering facts from many sources and checking them twice [[sim latency=700]]',
      tier_hint: 2,
    },
    {
      description: '한국어 설명: 여러 출처에서 사실을 모으고 두 번 확인합니다 [[sim latency=600]]',
      tier_hint: 1,
    },
    {
      description: '写总结 with mixed 混合 text and emoji 🎉🎉🎉 and more 文字 [[sim latency=800]]',
      tier_hint: 1,
    },
    {
      description: 'ｆｕｌｌｗｉｄｔｈ　ｆｏｒｍｓ　ａｎｄ　カタカナのテキスト [[sim latency=500]]',
      tier_hint: 1,
    },
    {
      description: '中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文中文 [[sim latency=650]]',
      tier_hint: 1,
    },
    { description: '比较各个方案的优缺点 [[sim latency=400]]', tier_hint: 1, depends_on: [0, 1] },
    {
      description: 'check every claim again, carefully, one at a time [[sim latency=450]]',
      tier_hint: 1,
      depends_on: [2],
    },
    { description: '整理参考文献列表 🎌 [[sim latency=350]]', tier_hint: 1, depends_on: [3, 4] },
    { description: '翻訳して日本語で要約する [[sim latency=300]]', tier_hint: 1, depends_on: [5] },
    {
      description: 'merge the parts into one long report with headings [[sim latency=400]]',
      tier_hint: 2,
      depends_on: [6, 7, 8, 9],
    },
    {
      description: '最终校对 final proofreading 最终校对 [[sim latency=300]]',
      tier_hint: 1,
      depends_on: [10],
    },
  ],
};

/**
 * The columns a terminal gives one character (wcwidth), written apart from the product's own
 * text-width.ts so that a wrong width there shows here: Han, Hangul, kana, CJK punctuation,
 * fullwidth forms and emoji take two, marks and format characters none. Covers PLAN's text.
 */
const WIDE =
  /[\p{Script=Han}\p{Script=Hangul}\p{Script=Hiragana}\u30a0-\u30ff\u3000-\u303f\uff01-\uff60\uffe0-\uffe6\p{Emoji_Presentation}]/u;
const ZERO = /[\p{Mn}\p{Me}\p{Cf}]/u;
function charWidth(char: string): number {
  return ZERO.test(char) ? 0 : WIDE.test(char) ? 2 : 1;
}

const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

/** Runs `symbiont run --plan` on a pseudo-terminal of `cols` x ROWS; resolves with every byte shown. */
function runOnTerminal(cols: number, planPath: string, symbiontHome: string) {
  const cli = ['node', '--import', 'tsx', join(ROOT, 'src/cli/run-cli.ts'), 'run', '--plan', planPath]
    .map(quote)
    .join(' ');
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('/usr/bin/script', ['-qfec', `stty cols ${cols} rows ${ROWS}; ${cli}`, '/dev/null'], {
      cwd: ROOT,
      env: {
        ...process.env,
        SYMBIONT_HOME: symbiontHome,
        SYMBIONT_PROVIDER: '',
        SYMBIONT_SIM_LATENCY_SCALE: '1',
        ANTHROPIC_API_KEY: '',
        OPENAI_BASE_URL: '',
        NO_COLOR: '',
        TERM: 'xterm-256color',
        PATH: process.env.PATH ?? '/usr/bin:/bin',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no end on the ${cols}-column terminal:\n${Buffer.concat(chunks).toString()}`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

type Token =
  | { kind: 'text'; char: string }
  | { kind: 'cr' }
  | { kind: 'lf' }
  | { kind: 'previousLine'; count: number }
  | { kind: 'eraseLine' }
  | { kind: 'sgr' };

/** Splits the stream into characters and the few control sequences the CLI may send. */
function tokenize(output: string): Token[] {
  const tokens: Token[] = [];
  const chars = [...output];
  for (let at = 0; at < chars.length; at++) {
    const char = chars[at]!;
    if (char === '\r') tokens.push({ kind: 'cr' });
    else if (char === '\n') tokens.push({ kind: 'lf' });
    else if (char === '\x1b') {
      if (chars[at + 1] !== '[')
        throw new Error(`unexpected escape ${JSON.stringify(chars.slice(at, at + 4).join(''))}`);
      let end = at + 2;
      while (end < chars.length && /[0-9;?]/.test(chars[end]!)) end++;
      const params = chars.slice(at + 2, end).join('');
      const final = chars[end];
      if (final === 'F') tokens.push({ kind: 'previousLine', count: params === '' ? 1 : Number(params) });
      else if (final === 'K' && params === '2') tokens.push({ kind: 'eraseLine' });
      else if (final === 'm') tokens.push({ kind: 'sgr' });
      else throw new Error(`a control sequence the view does not use: ESC[${params}${final}`);
      at = end;
    } else if (char.codePointAt(0)! < 0x20 || char === '\x7f') {
      throw new Error(`unexpected control character ${char.codePointAt(0)}`);
    } else tokens.push({ kind: 'text', char });
  }
  return tokens;
}

interface Findings {
  frames: number;
  maxFrameLines: number;
  wraps: string[];
  problems: string[];
}

/**
 * Plays the stream on a `cols` x `rows` grid with the cursor, auto-wrap and scrolling of a real
 * terminal, and checks the live view's part of it (from its first erase-line to the end of its
 * last frame): no wrap, at most rows - 1 lines a frame, every redraw back on the view's first line.
 */
function play(output: string, cols: number, rows: number): Findings {
  const tokens = tokenize(output);
  const firstErase = tokens.findIndex((token) => token.kind === 'eraseLine');
  const lastErase = tokens.findLastIndex((token) => token.kind === 'eraseLine');
  if (firstErase < 0) throw new Error(`the live view never drew:\n${output}`);
  let liveEnd = tokens.findIndex((token, at) => at > lastErase && token.kind === 'lf');
  if (tokens[liveEnd + 1]?.kind === 'previousLine') liveEnd++;
  const findings: Findings = { frames: 0, maxFrameLines: 0, wraps: [], problems: [] };
  let row = 0;
  let col = 0;
  let anchor = -1; // The screen row of the view's first line; -1 until it draws.
  let frameLines = 0; // Lines (erase-line + text) printed since the current frame began.
  let line = '';
  const lineFeed = () => {
    if (row === rows - 1) {
      anchor--; // The screen scrolls: the view's first line moves up one row.
    } else row++;
  };
  for (let at = 0; at < tokens.length; at++) {
    const token = tokens[at]!;
    const live = at >= firstErase && at <= liveEnd;
    if (at === firstErase) {
      anchor = row;
      findings.frames = 1;
    }
    switch (token.kind) {
      case 'text': {
        const width = charWidth(token.char);
        if (col + width > cols) {
          if (live) findings.wraps.push(line);
          col = 0;
          lineFeed();
        }
        col += width;
        line += token.char;
        break;
      }
      case 'cr':
        col = 0;
        break;
      case 'lf':
        lineFeed();
        line = '';
        break;
      case 'eraseLine':
        if (live) {
          frameLines++;
          if (anchor < 0) findings.problems.push('the view scrolled its own first line off the screen');
        }
        line = '';
        break;
      case 'previousLine': {
        if (live && tokens[at + 1]?.kind === 'eraseLine') {
          // A new frame: it must go back exactly to the view's first line, no further.
          if (token.count > frameLines)
            findings.problems.push(`moved up ${token.count} lines after printing ${frameLines}`);
          findings.maxFrameLines = Math.max(findings.maxFrameLines, frameLines);
          frameLines = 0;
          findings.frames++;
          if (row - token.count !== anchor)
            findings.problems.push(
              `a redraw started on row ${row - token.count}, the view's first line is on ${anchor}`,
            );
        } else if (live) {
          // After a shorter frame: back up over the blanked lines, never above the view.
          if (row - token.count < anchor)
            findings.problems.push(`moved above the view by ${anchor - row + token.count}`);
        }
        if (row - token.count < 0)
          findings.problems.push(`moved up ${token.count} from row ${row}: above the screen`);
        row = Math.max(0, row - token.count);
        col = 0;
        break;
      }
      case 'sgr':
        break;
    }
  }
  findings.maxFrameLines = Math.max(findings.maxFrameLines, frameLines);
  return findings;
}

describe('the live view on a pseudo-terminal (script(1))', () => {
  it.concurrent.each([40, 60, 120])(
    'at %i columns and 12 rows never wraps and never prints more lines than it owns',
    async (cols) => {
      const home = tempHome(); // One per terminal: the three run at once.
      try {
        const planPath = join(home.home, 'plan.json');
        writeFileSync(planPath, JSON.stringify(PLAN));
        const result = await runOnTerminal(cols, planPath, home.home);
        expect(result.code, result.output).toBe(0);
        expect(result.output).toMatch(/completed/);
        const findings = play(result.output, cols, ROWS);
        expect(findings.wraps.slice(0, 5)).toEqual([]); // The first few, if any.
        expect(findings.problems.slice(0, 5)).toEqual([]);
        expect(findings.maxFrameLines).toBeLessThanOrEqual(ROWS - 1);
        // Twelve steps and their notes need more rows than there are: the view had to cut.
        expect(findings.maxFrameLines).toBe(ROWS - 1);
        // It redrew many times while the steps ran (every 100 ms for about two seconds).
        expect(findings.frames).toBeGreaterThan(5);
      } finally {
        home.cleanup();
      }
    },
    40_000,
  );
});

describe('the test terminal itself', () => {
  it('reports a line wider than the terminal, a frame taller than it, and a redraw that goes too far up', () => {
    const wide = play('\x1b[2K中文中文中文\r\n', 10, 5);
    expect(wide.wraps).toEqual(['中文中文中']);
    const tall = play(`${'\x1b[2Kline\r\n'.repeat(6)}\x1b[6F\x1b[2Kline\r\n`, 20, 5);
    expect(tall.problems.length).toBeGreaterThan(0);
    const far = play('\x1b[2Ka\r\n\x1b[2Kb\r\n\x1b[3F\x1b[2Ka\r\n', 20, 5);
    expect(far.problems).toContain('moved up 3 lines after printing 2');
    const fine = play(
      '\x1b[2Ka\r\n\x1b[2Kb\r\n\x1b[2F\x1b[2Ka\r\n\x1b[2K\r\n\x1b[1F\x1b[1F\x1b[2Kc\r\n',
      20,
      5,
    );
    expect(fine.problems).toEqual([]);
    expect(fine.wraps).toEqual([]);
  });
});
