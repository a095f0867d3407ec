import { CONFIG_VARIABLES, ConfigVariable } from './variables';

/** Where README's generated Configuration table starts and ends. */
export const TABLE_START =
  '<!-- config-table:start (generated from src/config/variables.ts: npm run config:example) -->';
export const TABLE_END = '<!-- config-table:end -->';

const entries = Object.entries(CONFIG_VARIABLES) as [string, ConfigVariable][];

/** config/.env.example: every variable commented out at its default, with its meaning above it. */
export function renderEnvExample(): string {
  const header = [
    '# ml-service configuration: every environment variable the service reads, at its default.',
    '# Generated from src/config/variables.ts by `npm run config:example`; edit that file, not this one.',
    '# The service reads only its environment: copy this to .env for `docker run --env-file .env` or',
    '# your shell, and uncomment what you change. An unset or empty variable takes its default.',
  ];
  const blocks = entries.map(([name, variable]) => {
    const lines = wrap(plainText(variable.meaning), 98).map((line) => `# ${line}`);
    if (variable.productionDefault !== undefined)
      lines.push(`# Default under ENVIRONMENT=production: ${variable.productionDefault}`);
    lines.push(`# ${name}=${variable.default ?? ''}`);
    return lines.join('\n');
  });
  return `${[header.join('\n'), ...blocks].join('\n\n')}\n`;
}

/** README's Configuration table, one row per variable. */
export function renderConfigTable(): string {
  const rows = entries.map(
    ([name, variable]) => `| \`${name}\` | ${markdownDefault(variable)} | ${variable.meaning} |`,
  );
  return [TABLE_START, '| variable | default | meaning |', '|---|---|---|', ...rows, TABLE_END].join('\n');
}

/** `readme` with the text between the table's markers replaced by a fresh table. */
export function withConfigTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${TABLE_START}" … "${TABLE_END}" block`);
  return readme.slice(0, start) + renderConfigTable() + readme.slice(end + TABLE_END.length);
}

function markdownDefault(variable: ConfigVariable): string {
  if (variable.default === undefined) return '—';
  const value = variable.default === '' ? '(empty)' : `\`${variable.default}\``;
  return variable.productionDefault === undefined ? value : `${value}, \`${variable.productionDefault}\` in production`;
}

/** Markdown to comment text: no code spans, links reduced to their words. */
function plainText(markdown: string): string {
  return markdown.replace(/\[([^\]]+)\]\([^)]*\)/g, '$1').replace(/`([^`]*)`/g, '$1');
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  return [...lines, line];
}
