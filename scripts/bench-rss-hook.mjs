// Loaded with `node --import` into a benchmarked process: reports its peak RSS when it exits.
import { writeSync } from 'node:fs';

const fd = Number(process.env.BINDSCOUT_BENCH_RSS_FD ?? 3);
process.on('exit', () => {
  writeSync(fd, `${process.resourceUsage().maxRSS}\n`);
});
