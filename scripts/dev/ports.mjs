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

/** @param {{port: number, host: string, what: string}[]} wanted @returns the taken ones */
export async function takenPorts(wanted) {
  const taken = [];
  for (const p of wanted) if (!(await portFree(p.port, p.host))) taken.push(p);
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
