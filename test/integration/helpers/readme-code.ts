/**
 * Reading README.md's code blocks and typechecking them against the library's sources (as
 * `mesos-driver` and `mesos-driver/local`), for the tests that check the README.
 */
import { join } from 'node:path';
import ts from 'typescript';

const REPO = join(__dirname, '..', '..', '..');
const LIB_INDEX = join(REPO, 'lib', 'index.ts');
const LIB_LOCAL = join(REPO, 'lib', 'local-entry.ts');

/** A fenced block: its language, its text and the line of its opening fence. */
export interface CodeBlock {
  lang: string;
  code: string;
  line: number;
}

/** Every fenced block of `markdown`, in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const fence = /^```(\w*)\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(markdown); match; match = fence.exec(markdown)) {
    blocks.push({
      lang: match[1] ?? '',
      code: match[2] ?? '',
      line: markdown.slice(0, match.index).split('\n').length,
    });
  }
  return blocks;
}

/** Typechecks in-memory files (placed inside the repository so node_modules resolve) with the project's options. */
export function typecheck(files: Map<string, string>): string[] {
  const configPath = join(REPO, 'tsconfig.json');
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  if (!config) throw new Error('cannot read tsconfig.json');
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: true,
    baseUrl: REPO,
    paths: { 'mesos-driver': [LIB_INDEX], 'mesos-driver/local': [LIB_LOCAL] },
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) => {
    const text = files.get(name);
    return text !== undefined
      ? ts.createSourceFile(name, text, languageVersion, true)
      : getSourceFile(name, languageVersion, ...rest);
  };
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => files.has(name) || fileExists(name);
  const readFileHost = host.readFile.bind(host);
  host.readFile = (name) => files.get(name) ?? readFileHost(name);
  const program = ts.createProgram([...files.keys()], options, host);
  const problems: string[] = [];
  for (const name of files.keys()) {
    const source = program.getSourceFile(name);
    if (!source) throw new Error(`not compiled: ${name}`);
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      problems.push(`${name}:${line + 1}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
    }
  }
  return problems;
}
