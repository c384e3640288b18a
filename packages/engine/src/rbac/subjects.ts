import type { BindingSubject, SubjectKind } from "../objects/model";

/** Someone RBAC can grant rights to: a ServiceAccount, a User or a Group. */
export interface Subject {
  readonly kind: SubjectKind;
  readonly name: string;
  /** ServiceAccounts only. */
  readonly namespace?: string;
}

/** What the authorizer sees of a subject when it makes a request. */
export interface UserInfo {
  readonly username?: string;
  readonly groups: readonly string[];
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/**
 * A service account authenticates as the user system:serviceaccount:NS:NAME in the groups
 * system:serviceaccounts, system:serviceaccounts:NS and system:authenticated. A User subject is
 * read as exactly that user name, and a Group subject as a member of that group only: what
 * other groups a human user belongs to is known to the authenticator, not to the cluster.
 */
export function userInfoOf(subject: Subject): UserInfo {
  switch (subject.kind) {
    case "ServiceAccount": {
      const namespace = subject.namespace ?? "";
      return {
        username: serviceAccountUsername(namespace, subject.name),
        groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
      };
    }
    case "User":
      return { username: subject.name, groups: [] };
    case "Group":
      return { groups: [subject.name] };
  }
}

/** rbac appliesTo: whether a binding's subject entry covers a request by `user`. */
export function bindingSubjectApplies(subject: BindingSubject, user: UserInfo): boolean {
  switch (subject.kind) {
    case "User":
      return user.username === subject.name;
    case "Group":
      return user.groups.includes(subject.name);
    case "ServiceAccount":
      // Matched by user name, so a User subject spelled system:serviceaccount:NS:NAME is the same one.
      return (
        subject.namespace !== undefined &&
        user.username === serviceAccountUsername(subject.namespace, subject.name)
      );
  }
}

export function subjectRef(subject: Subject): string {
  return subject.namespace === undefined
    ? `${subject.kind}/${subject.name}`
    : `${subject.kind}/${subject.namespace}/${subject.name}`;
}

export function compareSubjects(a: Subject, b: Subject): number {
  const ka = [a.kind, a.namespace ?? "", a.name];
  const kb = [b.kind, b.namespace ?? "", b.name];
  for (let i = 0; i < 3; i++) {
    if (ka[i]! < kb[i]!) return -1;
    if (ka[i]! > kb[i]!) return 1;
  }
  return 0;
}
