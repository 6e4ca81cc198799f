/**
 * Which figure of the report evidences which requirement. The wording of each requirement is
 * a summary, not the standard's text: the auditor holds the standard; this says where to look.
 */
import type { Requirement } from './model.js';

export const REQUIREMENTS: Requirement[] = [
  {
    id: 'PCI DSS v4.0.1 3.7.4',
    says: 'Cryptographic keys are changed at the end of their defined cryptoperiod.',
    evidence:
      "Each key's declared period, last rotation and next due date; the count of keys on time and overdue; " +
      "the chart of each key's age against its period over the range (a line above the dashed period line is a key past its " +
      'cryptoperiod); ' +
      "each file store's master key (a key-encrypting key) with the time it came into use and its masterKeyPeriod.",
    sections: ['summary', 'chart', 'keys', 'master-keys'],
  },
  {
    id: 'PCI DSS v4.0.1 3.7.5',
    says:
      'Keys are retired or replaced when their cryptoperiod ends, when their integrity is weakened (someone who knew them leaves), ' +
      'or when they are known or suspected to be compromised; retired keys are not used.',
    evidence:
      'Every revoke with its reason (the old key deleted at the issuer before it was replaced), every offboarding, ' +
      'and each rotation with the old and new key ids and the retirement of the old key.',
    sections: ['revokes', 'offboardings', 'rotations'],
  },
  {
    id: 'PCI DSS v4.0.1 8.2.5',
    says: 'Access for terminated users is revoked immediately.',
    evidence: 'Each offboarding: when it started, each key the person could read, when it was rotated, and the time until the last one.',
    sections: ['offboardings'],
  },
  {
    id: 'PCI DSS v4.0.1 8.6.3',
    says:
      'Passwords and passphrases of application and system accounts are changed periodically (at the frequency the risk analysis sets) ' +
      'and on suspicion or confirmation of compromise.',
    evidence: "Each key's period and its rotations in the range (when, trigger, actor, outcome); the revokes with their reasons.",
    sections: ['keys', 'rotations', 'revokes'],
  },
  {
    id: 'ISO/IEC 27001:2022 A.8.24',
    says:
      'Use of cryptography: keys are managed through their life cycle (generated, stored, changed, revoked, destroyed), ' +
      'and this is recorded.',
    evidence:
      'Per key its issuer (where it is generated and destroyed) and store; every rotation with actor, trigger, key ids and outcome; ' +
      'the open findings of the security rules.',
    sections: ['keys', 'rotations', 'findings'],
  },
  {
    id: 'SOC 2 CC6 (CC6.1–CC6.3)',
    says: 'Logical access is restricted to authorised people and removed when they leave or no longer need it.',
    evidence:
      "Each key's holders (people and teams); the offboardings as the sample of terminations, with each key rotated and when; " +
      'failing keys that need attention.',
    sections: ['keys', 'offboardings', 'summary'],
  },
];
