import type { TrainingInput } from './trainings.schemas.ts';

/**
 * The course that ships with Airlock. It is inserted at start-up when its slug is absent, so an
 * administrator's later edits to it are kept (see `ensureShippedTrainings`).
 */
export const RESPONSIBLE_RESEARCH: TrainingInput = {
  slug: 'responsible-research-high-risk-models',
  title: 'Responsible research with high-risk models',
  summary: 'Consent, harm to people who never agreed to be studied, dual use and redistribution: what holding a high-risk model asks of you. About 15 minutes, with a five-question quiz.',
  validityDays: 365,
  passMark: 80,
  externalAccepted: false,
  externalInstructions: null,
  modules: [
    {
      title: 'Consent and the people in the data',
      body: `High-risk models are often trained on data about people: clinical notes, images, voices, messages.
Most of those people **never agreed to be studied** by you. Their consent, where there was any, covered a
purpose (their care, a study, a service), not every later use of a model trained on it.

What follows for your work:

- **Stay within the purpose you applied for.** Your access was granted for the research you described.
  A new question needs a new application, even when it uses the same files.
- **Do not try to re-identify anyone.** Extracting training data, linking outputs to real people or
  inferring sensitive traits about identifiable individuals is harm, whatever the intent. If you find
  that a model leaks personal data, report it to the publisher; do not publish the examples.
- **Report in aggregate.** Publish rates and summaries, not memorised records or outputs that reveal a person.`,
    },
    {
      title: 'Harm to people who never agreed to be studied',
      body: `A model can harm people who are not your participants and never will be: the groups it describes,
misclassifies or is used against. Before you run an experiment, ask:

1. **Who could be affected** by what the model outputs, or by what you publish about it?
2. **How badly, and how likely?** A rare but severe harm (a leaked diagnosis, a targeted person) weighs more than a common nuisance.
3. **What reduces it?** Fewer outputs kept, synthetic stand-ins, access controls on your own copies, review before publication.

When in doubt, ask the repository's committee before you act, not afterwards.`,
    },
    {
      title: 'Dual use',
      body: `The capabilities that make a model worth studying (writing code, synthesising biology, imitating a voice)
are often the ones that make it dangerous. Research that **measures** a dangerous capability is legitimate;
research that **packages** it for others (working exploits, step-by-step protocols, turnkey tools) is not,
unless the repository's conditions explicitly allow it and the publisher agreed.

Describe methods and results at the level needed for others to check your findings, and leave out what
would mostly help someone cause harm.`,
    },
    {
      title: 'Redistribution',
      body: `Your grant is **personal**. It does not extend to your colleagues, your students or your institution.

- **Never redistribute** the weights, the data, or anything derived from them that could stand in for them
  (fine-tuned weights, merged models, large output dumps), unless the repository's conditions allow it.
- Keep your copies under access control, and delete them when your grant ends.
- Each copy Airlock serves may carry a recipient fingerprint: a leaked copy can be traced back to the account that downloaded it.
- Colleagues who need access apply themselves; the conditions and the committee then apply to them too.`,
    },
  ],
  questions: [
    {
      id: 'consent-scope',
      prompt: 'The people whose records a model was trained on consented to their data being used for their hospital care. What does that consent cover for your research?',
      choices: [
        'Everything: once data is in a model, consent no longer applies.',
        'Nothing beyond that purpose: you work within the use you applied for and never try to identify anyone.',
        'Any research, as long as it is published in a peer-reviewed venue.',
      ],
      answer: 1,
    },
    {
      id: 'leak-found',
      prompt: 'Your experiment shows the model reproduces personal details of real patients. What do you do?',
      choices: [
        'Publish the most striking examples so others see the risk.',
        'Say nothing; it is the publisher\'s problem.',
        'Report it to the publisher and publish only aggregate rates, never the examples.',
      ],
      answer: 2,
    },
    {
      id: 'affected-groups',
      prompt: 'Whose possible harm do you weigh before an experiment?',
      choices: [
        'Only the participants who signed a consent form.',
        'Also people who never agreed to be studied: groups the model describes, misclassifies or could be used against.',
        'Nobody\'s: the committee already approved the application.',
      ],
      answer: 1,
    },
    {
      id: 'dual-use',
      prompt: 'You measured that a model can help write working malware. What belongs in your paper?',
      choices: [
        'The method and the measured rates, at the level needed to check the finding, without a working exploit.',
        'The complete prompts and the working code, for reproducibility.',
        'Nothing at all; such results must never be published.',
      ],
      answer: 0,
    },
    {
      id: 'redistribution',
      prompt: 'A colleague in your lab asks for a copy of the weights you were granted. What is right?',
      choices: [
        'Share them: the grant covers your institution.',
        'Share a fine-tuned version instead, since it is a different model.',
        'Decline: the grant is personal; the colleague applies for access themselves.',
      ],
      answer: 2,
    },
  ],
};

export const SHIPPED_TRAININGS: readonly TrainingInput[] = [RESPONSIBLE_RESEARCH];
