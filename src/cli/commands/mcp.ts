/**
 * `shotrouter mcp`: shotrouter as a Model Context Protocol server on standard input and output,
 * for assistants and IDE agents. Paths resolve in the current folder (or --root) and may not
 * leave it; previews are free; a paid run needs the cap given here and the agent's confirm_usd.
 */
import path from 'node:path';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ShotrouterError } from '../../errors.ts';
import { createMcpServer } from '../../mcp/server.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'serve shotrouter to AI assistants over MCP (stdio); paid runs only up to --max-usd',
  usage: 'shotrouter mcp [--root DIR] [--max-usd USD]   (default --max-usd 0: previews only)',
  options: { root: { type: 'string' }, 'max-usd': { type: 'string' } },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const maxUsd =
      args.values['max-usd'] === undefined ? 0 : maxUsdFromArgs(String(args.values['max-usd']));
    const root = path.resolve(io.cwd, String(args.values.root ?? '.'));
    const server = createMcpServer({ root, env: io.env, maxUsd });
    const transport = new StdioServerTransport();
    const closed = new Promise<void>((resolve) => {
      transport.onclose = () => resolve();
      io.signal.addEventListener('abort', () => void server.close(), { once: true });
    });
    await server.connect(transport);
    io.stderr.write(
      `shotrouter MCP server on stdio, working in ${root}; paid runs ${maxUsd > 0 ? `up to $${maxUsd.toFixed(2)}` : 'off (--max-usd 0)'}\n`,
    );
    await closed;
    if (io.signal.aborted) throw new ShotrouterError('aborted', 'stopped');
    return EXIT.ok;
  },
};

/** `--max-usd`: a plain decimal number of dollars, 0 or more (0: no paid runs). */
function maxUsdFromArgs(text: string): number {
  const usd = Number(text);
  if (!/^\d+(\.\d{1,6})?$/.test(text) || !Number.isFinite(usd)) {
    throw new ShotrouterError(
      'usage',
      `--max-usd takes a plain decimal number of dollars, 0 or more (e.g. --max-usd 20), got '${text}'`,
    );
  }
  return usd;
}
