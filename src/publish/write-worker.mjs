// The build's writer thread: writes the files of the site and their .gz and
// .br siblings (write-job.mjs), so the main thread only renders and rewrites
// pages. Plain JavaScript, so it runs without tsx's loader: starting that in
// a thread costs a core for a third of a second (see writer.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { jobWriter } from './write-job.mjs';

const write = jobWriter(workerData);

// Files come in batches (see writer.ts); the replies go back as one.
parentPort.on('message', (jobs) => parentPort.postMessage(jobs.map(write)));
