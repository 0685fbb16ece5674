import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Files of a project's repository when a test gives none. */
export const defaultRepositoryFiles: Readonly<Record<string, string>> = {
  'README.md': '# A project of the GitLab simulator\n\nIts jobs check this file out with `get_sources`.\n',
  'greet.sh': '#!/bin/sh\necho "hello from the repository"\n',
};

const gitEnv = {
  GIT_AUTHOR_NAME: 'CI User',
  GIT_AUTHOR_EMAIL: 'ci-user@example.com',
  GIT_COMMITTER_NAME: 'CI User',
  GIT_COMMITTER_EMAIL: 'ci-user@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/**
 * One bare git repository per project (`<root>/<group>/<project>.git`), made on first use with one commit
 * on `main`; served by git's own `git http-backend` (smart HTTP).
 */
export class ProjectRepos {
  readonly root: string;
  readonly #owned: boolean;
  readonly #heads = new Map<string, string>();
  readonly #files = new Map<string, Record<string, string>>();

  constructor(root?: string) {
    this.#owned = root === undefined;
    this.root = root ?? mkdtempSync(join(tmpdir(), 'gitlab-simulator-git-'));
  }

  /** Sets the files of a project's repository (a new commit on `main` if it exists already). */
  setFiles(projectPath: string, files: Record<string, string>): string {
    this.#files.set(projectPath, { ...files });
    this.#heads.delete(projectPath);
    return this.head(projectPath);
  }

  /** The commit `main` points at, making the repository first if needed. */
  head(projectPath: string): string {
    const known = this.#heads.get(projectPath);
    if (known) return known;
    const bare = join(this.root, `${projectPath}.git`);
    mkdirSync(dirname(bare), { recursive: true });
    const work = mkdtempSync(join(tmpdir(), 'gitlab-simulator-work-'));
    try {
      const git = (...args: string[]) =>
        execFileSync('git', args, { cwd: work, env: { ...process.env, ...gitEnv }, stdio: 'pipe' })
          .toString()
          .trim();
      git('init', '-q', '-b', 'main');
      for (const [name, text] of Object.entries(this.#files.get(projectPath) ?? defaultRepositoryFiles)) {
        mkdirSync(dirname(join(work, name)), { recursive: true });
        writeFileSync(join(work, name), text, { mode: name.endsWith('.sh') ? 0o755 : 0o644 });
      }
      git('add', '-A');
      git('commit', '-q', '-m', 'Simulated commit');
      execFileSync('git', ['init', '-q', '--bare', bare], { stdio: 'pipe' });
      git('push', '-q', '--force', bare, 'main:main');
      const sha = git('rev-parse', 'HEAD');
      this.#heads.set(projectPath, sha);
      return sha;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /** Removes the repositories the simulator made itself. */
  close(): void {
    if (this.#owned) rmSync(this.root, { recursive: true, force: true });
  }

  /**
   * Answers a smart-HTTP request for `<projectPath>.git/<rest>` through `git http-backend` (a CGI program:
   * headers, a blank line, then the body). Returns the status sent.
   */
  serve(
    projectPath: string,
    rest: string,
    request: IncomingMessage,
    response: ServerResponse,
    query: string,
  ): Promise<number> {
    this.head(projectPath);
    return new Promise((resolve) => {
      const child = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env.PATH,
          GIT_PROJECT_ROOT: this.root,
          GIT_HTTP_EXPORT_ALL: '1',
          PATH_INFO: `/${projectPath}.git/${rest}`,
          REQUEST_METHOD: request.method ?? 'GET',
          QUERY_STRING: query,
          CONTENT_TYPE: String(request.headers['content-type'] ?? ''),
          REMOTE_USER: 'gitlab-ci-token',
          REMOTE_ADDR: '127.0.0.1',
          ...(request.headers['content-encoding']
            ? { HTTP_CONTENT_ENCODING: String(request.headers['content-encoding']) }
            : {}),
          ...(request.headers['git-protocol']
            ? { GIT_PROTOCOL: String(request.headers['git-protocol']) }
            : {}),
        },
        stdio: ['pipe', 'pipe', 'ignore'],
      });
      request.pipe(child.stdin);
      let head = Buffer.alloc(0);
      let status = 200;
      let started = false;
      child.stdout.on('data', (chunk: Buffer) => {
        if (started) {
          response.write(chunk);
          return;
        }
        head = Buffer.concat([head, chunk]);
        const text = head.toString('latin1');
        const end = text.search(/\r?\n\r?\n/);
        if (end < 0) return;
        const separator = /\r?\n\r?\n/.exec(text.slice(end))![0].length;
        const headers: Record<string, string> = {};
        for (const line of text.slice(0, end).split(/\r?\n/)) {
          const at = line.indexOf(':');
          if (at < 0) continue;
          const name = line.slice(0, at).trim();
          const value = line.slice(at + 1).trim();
          if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
          else headers[name] = value;
        }
        response.writeHead(status, headers);
        started = true;
        response.write(head.subarray(end + separator));
      });
      child.on('close', () => {
        if (!started) response.writeHead(500);
        response.end();
        resolve(started ? status : 500);
      });
      child.on('error', () => {
        if (!response.headersSent) response.writeHead(500);
        response.end();
        resolve(500);
      });
    });
  }
}
