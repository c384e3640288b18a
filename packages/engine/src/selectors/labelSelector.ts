import type { LabelSelector, Labels } from "../objects/model";

// Label selector semantics of metav1.LabelSelector (apimachinery labels.Requirement.Matches):
// matchLabels and every matchExpressions requirement must all hold. NotIn and DoesNotExist
// hold for objects that lack the key.
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  const required = selector.matchLabels;
  for (const key in required) {
    if (!Object.hasOwn(required, key)) continue;
    if (!Object.hasOwn(labels, key) || labels[key] !== required[key]) return false;
  }
  for (const requirement of selector.matchExpressions) {
    const present = Object.hasOwn(labels, requirement.key);
    const value = present ? labels[requirement.key] : undefined;
    switch (requirement.operator) {
      case "In":
        if (value === undefined || !requirement.values.includes(value)) return false;
        break;
      case "NotIn":
        if (value !== undefined && requirement.values.includes(value)) return false;
        break;
      case "Exists":
        if (!present) return false;
        break;
      case "DoesNotExist":
        if (present) return false;
        break;
    }
  }
  return true;
}

export function selectorIsEmpty(selector: LabelSelector): boolean {
  return Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0;
}

export const MATCH_ALL: LabelSelector = { matchLabels: {}, matchExpressions: [] };
