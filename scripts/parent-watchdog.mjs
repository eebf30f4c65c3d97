// Preloaded (node --import) into every component npm start runs: when npm start goes away, however it died (a
// SIGKILL included), its end of the IPC channel closes and the component gets a SIGTERM from itself, so it stops
// through its own shutdown handler rather than running on as an orphan. Components need no code for this.
if (process.channel) {
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // The channel must not keep a component alive that would otherwise exit.
  process.channel.unref();
}
