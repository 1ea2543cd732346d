/** Strace lines written into a test → the accesses the collector makes of them, as analyze would. */
import { createTraceParser } from '../../parsers/index.js';
import type { Access } from '../core/model.js';
import { AccessCollector } from '../trace/accesses.js';

export function accessesOf(lines: string[], source = 't.log'): Access[] {
  const collector = new AccessCollector();
  const parser = createTraceParser({ source, onEvent: (event) => collector.add(event) });
  for (const line of lines) parser.line(line);
  parser.end();
  return collector.result().accesses;
}
