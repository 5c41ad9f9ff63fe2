/**
 * A preload (`node --import ./bench/lib/cpu-sampler.mjs …`) that profiles a process's CPU between
 * two SIGWINCHs (the broker keeps SIGUSR2 for its stats line) and writes the profile to
 * `$QTASKS_CPU_PROFILE`: `bench/cpu-split.mjs --broker-prof-live` uses it to profile the measured part alone, on a broker that has kept what it holds in memory
 * (a restart with `--cpu-prof` would empty it). `bench/lib/cpuprofile-top.mjs` sums it up.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.QTASKS_CPU_PROFILE;
if (file) {
  const session = new Session();
  session.connect();
  let profiling = false;
  process.on('SIGWINCH', () => {
    if (!profiling) {
      profiling = true;
      session.post('Profiler.enable', () => session.post('Profiler.start'));
      return;
    }
    profiling = false;
    session.post('Profiler.stop', (error, result) => {
      if (error) return void process.stderr.write(`cpu-sampler: no profile: ${error.message}\n`);
      writeFileSync(file, JSON.stringify(result.profile));
      process.stderr.write('cpu-sampler: profile written\n');
    });
  });
}
