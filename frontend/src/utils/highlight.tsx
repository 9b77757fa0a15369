/** A small, dependency-free syntax highlighter: comments, strings, numbers, keywords, JSON keys. */
import type { ReactNode } from 'react';

interface Grammar {
  comment?: string[]; // regex sources
  keywords?: string[];
  jsonKeys?: boolean;
  tags?: boolean;
}

const C_LIKE = ['\\/\\/[^\\n]*', '\\/\\*[\\s\\S]*?\\*\\/'];
const HASH = ['#[^\\n]*'];

const KW = {
  python:
    'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield self',
  js: 'async await break case catch class const continue default delete do else export extends false finally for from function if import in instanceof interface let new null return super switch this throw true try type typeof undefined var void while yield',
  shell: 'if then else elif fi for while do done case esac in function return export local echo exit set',
  go: 'break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var nil true false',
  rust: 'as async await break const continue crate else enum extern false fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait true type unsafe use where while',
  sql: 'select from where insert into update delete create table drop alter join left right inner outer on group by order limit and or not null as values set primary key',
  yaml: 'true false null yes no',
  c: 'auto break case char const continue default do double else enum extern float for goto if int long register return short signed sizeof static struct switch typedef union unsigned void volatile while class public private protected template namespace new delete true false nullptr',
};

const GRAMMARS: Record<string, Grammar> = {
  python: { comment: HASH, keywords: KW.python.split(' ') },
  javascript: { comment: C_LIKE, keywords: KW.js.split(' ') },
  typescript: { comment: C_LIKE, keywords: KW.js.split(' ') },
  json: { jsonKeys: true, keywords: ['true', 'false', 'null'] },
  yaml: { comment: HASH, keywords: KW.yaml.split(' '), jsonKeys: true },
  toml: { comment: HASH, keywords: ['true', 'false'] },
  ini: { comment: ['[#;][^\\n]*'] },
  shell: { comment: HASH, keywords: KW.shell.split(' ') },
  dockerfile: {
    comment: HASH,
    keywords: 'FROM RUN CMD COPY ADD ENV ARG WORKDIR USER EXPOSE ENTRYPOINT LABEL VOLUME'.split(' '),
  },
  makefile: { comment: HASH },
  go: { comment: C_LIKE, keywords: KW.go.split(' ') },
  rust: { comment: C_LIKE, keywords: KW.rust.split(' ') },
  java: { comment: C_LIKE, keywords: KW.c.split(' ') },
  kotlin: { comment: C_LIKE, keywords: KW.c.split(' ') },
  c: { comment: C_LIKE, keywords: KW.c.split(' ') },
  cpp: { comment: C_LIKE, keywords: KW.c.split(' ') },
  css: { comment: ['\\/\\*[\\s\\S]*?\\*\\/'] },
  sql: { comment: ['--[^\\n]*', '\\/\\*[\\s\\S]*?\\*\\/'], keywords: KW.sql.split(' ') },
  html: { comment: ['<!--[\\s\\S]*?-->'], tags: true },
  xml: { comment: ['<!--[\\s\\S]*?-->'], tags: true },
  markdown: {},
};

const STRING = `"(?:[^"\\\\\\n]|\\\\.)*"|'(?:[^'\\\\\\n]|\\\\.)*'|\`(?:[^\`\\\\]|\\\\.)*\``;
const NUMBER = '\\b\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?\\b';
const WORD = '[A-Za-z_][A-Za-z0-9_]*';
const TAG = '<\\/?[A-Za-z][^\\s>/]*|\\/?>';

const MAX_HIGHLIGHT = 200_000; // characters; beyond this the text is shown plain

/** Split `text` into highlighted spans for `language` (unknown languages come back as plain text). */
export function highlight(text: string, language: string): ReactNode[] {
  const grammar = GRAMMARS[language];
  if (!grammar || text.length > MAX_HIGHLIGHT) return [text];
  const parts: string[] = [];
  const kinds: string[] = [];
  const add = (source: string, kind: string) => {
    parts.push(`(${source})`);
    kinds.push(kind);
  };
  grammar.comment?.forEach((c) => add(c, 'comment'));
  if (grammar.tags) add(TAG, 'tag');
  if (grammar.jsonKeys) add(`(?:${STRING})(?=\\s*:)|^\\s*[A-Za-z_][\\w.-]*(?=\\s*:)`, 'key');
  add(STRING, 'string');
  add(NUMBER, 'number');
  if (grammar.keywords) add(WORD, 'word');
  const re = new RegExp(parts.join('|'), 'gm');
  const keywords = new Set(grammar.keywords ?? []);
  const out: ReactNode[] = [];
  let last = 0;
  let n = 0;
  for (let match = re.exec(text); match; match = re.exec(text)) {
    if (match[0].length === 0) {
      re.lastIndex += 1;
      continue;
    }
    const group = match.slice(1).findIndex((g) => g !== undefined);
    let kind = kinds[group];
    if (kind === 'word') {
      if (!keywords.has(match[0])) continue;
      kind = 'keyword';
    }
    if (match.index > last) out.push(text.slice(last, match.index));
    out.push(
      <span key={n++} className={`odh-hl-${kind}`}>
        {match[0]}
      </span>,
    );
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}
