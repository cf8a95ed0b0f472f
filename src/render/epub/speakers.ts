/** Which speakers ask and which answer, so the stylesheet can tell questions from answers. */

const ASKER = /记者|記者|主持|提问|提問|问|問|reporter|interviewer|host|moderator|question|journalist|インタビュアー|司会/i

export type SpeakerRole = 'question' | 'answer'

/**
 * Speakers whose name says they ask (reporter, host, 记者…) are questions; everyone else answers.
 * When no name says so, the first speaker of the book is taken to be the one asking.
 */
export function speakerRoles(speakers: string[]): Map<string, SpeakerRole> {
  const roles = new Map<string, SpeakerRole>()
  const askers = speakers.filter((name) => ASKER.test(name))
  for (const name of speakers) roles.set(name, askers.length > 0 ? (askers.includes(name) ? 'question' : 'answer') : name === speakers[0] ? 'question' : 'answer')
  return roles
}
