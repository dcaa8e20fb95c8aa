/**
 * The clients of `npm run bench:ui`, in their own thread so that they do not share the server's
 * event loop: `clients` concurrent loops, each on its own kept-alive connection (as a browser
 * tab keeps its connections), fetch URLs of one kind for `seconds`, each request waiting for the
 * whole body. node:http rather than fetch: the load generator must cost less than the server it
 * measures. Posts back the latencies in ms and any failure.
 */
import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

const { urls, clients, seconds } = workerData;
const agent = new Agent({ keepAlive: true, maxSockets: clients });
const latencies = [];
let failed = null;
let next = 0;
const end = performance.now() + seconds * 1000;

function get(url) {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

await Promise.all(Array.from({ length: clients }, async () => {
  while (performance.now() < end && !failed) {
    const url = urls[next++ % urls.length];
    const t = performance.now();
    try {
      await get(url);
    } catch (error) {
      failed = `${url}: ${error.message}`;
    }
    latencies.push(performance.now() - t);
  }
}));
agent.destroy();
parentPort.postMessage({ latencies, failed, seconds });
