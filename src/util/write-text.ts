/** Writing text files whole: a reader never sees half a timeline or report. */
import fs from 'node:fs';

export async function writeTextAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.partial`;
  try {
    await fs.promises.writeFile(temporary, text);
    await fs.promises.rename(temporary, file);
  } catch (error) {
    await fs.promises.rm(temporary, { force: true });
    throw error;
  }
}
