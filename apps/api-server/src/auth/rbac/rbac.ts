/**
 * @module createRbac: the RBAC pieces built on one store: the in-memory index, the authorizer, the rule resolver
 * for SelfSubjectRulesReview and the escalation-prevention admission plugin.
 */
import type { AdmissionPlugin } from '../../admission/admission.js';
import type { Storage } from '../../storage/storage.js';
import type { Authorizer } from '../authorizer.js';
import { rbacEscalationAdmission } from './escalation-admission.js';
import { rbacAuthorizer } from './rbac-authorizer.js';
import { RbacIndex } from './rbac-index.js';

export interface Rbac {
  index: RbacIndex;
  authorizer: Authorizer;
  /** The escalate/bind checks, asking `serverAuthorizer` (the whole --authorization-mode chain) for those verbs. */
  admission(serverAuthorizer: Authorizer): AdmissionPlugin;
  close(): void;
}

export function createRbac(store: Storage): Rbac {
  const index = new RbacIndex(store);
  return {
    index,
    authorizer: rbacAuthorizer(index),
    admission: (serverAuthorizer) => rbacEscalationAdmission({ index, authorizer: serverAuthorizer }),
    close: () => index.close(),
  };
}
