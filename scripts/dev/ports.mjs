// Checks that the ports the platform will listen on are free, before anything starts: a port held
// by another process (another `npm start`, an old gateway) must stop the start with a clear
// message, not be mistaken for our own gateway.
import net from 'node:net';

export function portFree(port, host) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error) => resolve(error.code === 'EADDRINUSE' || error.code === 'EACCES' ? false : true));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Whether something accepts connections on 127.0.0.1:port (a listener bound to loopback only). */
function answersOnLoopback(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, timeout: 1000 });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

/**
 * @param {{port: number, host: string, what: string, variable: string}[]} wanted
 * @returns the taken ones: binding fails, or (where the OS lets a wildcard bind coexist with a
 * loopback one) something already answers on 127.0.0.1
 */
export async function takenPorts(wanted) {
  const taken = [];
  for (const p of wanted) {
    if (!(await portFree(p.port, p.host)) || (await answersOnLoopback(p.port))) taken.push(p);
  }
  return taken;
}

export function portTakenMessage(taken) {
  return taken
    .map(
      (p) =>
        `Port ${p.port} (${p.what}) is already in use by another process — another \`npm start\`, or another program ` +
        `(see which: \`ss -ltnp 'sport = :${p.port}'\` or \`lsof -i :${p.port}\`). Stop it, or set ${p.variable} to a free port ` +
        `(e.g. \`${p.variable}=${p.port + 1} npm start\`).`,
    )
    .join('\n');
}
