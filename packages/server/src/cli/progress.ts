/** A one-line progress bar on a terminal; silent when output is not a terminal (CI, pipes). */
export function createProgressBar(stream: NodeJS.WriteStream, label: string) {
  const width = 30;
  let lastDrawn = -1;
  return {
    update(done: number, total: number) {
      if (!stream.isTTY || total === 0) return;
      const percent = Math.floor((done / total) * 100);
      if (percent === lastDrawn && done !== total) return;
      lastDrawn = percent;
      const filled = Math.round((done / total) * width);
      stream.write(
        `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${percent}%`,
      );
      if (done === total) stream.write('\n');
    },
  };
}
