import { BusConfig } from '../config/config';

/** Every subject the service uses, under the configured prefix (`ml-service` by default). */
export type Subjects = ReturnType<typeof subjectsOf>;

export function subjectsOf(config: BusConfig) {
  const prefix = config.subjectPrefix;
  return {
    feedback: `${prefix}.feedback`,
    catalogue: `${prefix}.catalogue`,
    /** Where an invalid message from `subject` is set aside, with the reason. */
    rejected: (subject: string) => `${subject}.rejected`,
    event: (type: string) => `${prefix}.events.${type}`,
    /** A durable consumer's name: subject tokens without the dots NATS refuses in names. */
    durable: (subject: string) => subject.replace(/\./g, '_'),
  };
}
