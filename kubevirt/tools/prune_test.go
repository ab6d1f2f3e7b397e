package main

import (
	"strings"
	"testing"
)

// A schema in the shape Kubernetes' YAML printer gives KubeVirt's: lists at their key's indent,
// block scalars, required lists, CEL rules.
const schema = `openAPIV3Schema:
  description: A thing.
  properties:
    metadata:
      type: object
    spec:
      properties:
        domain:
          description: |-
            The domain.

            properties: not a key, a line of text
          properties:
            devices:
              type: object
            memory:
              properties:
                guest:
                  type: string
              type: object
          required:
          - devices
          type: object
        evictionStrategy:
          type: string
      required:
      - domain
      type: object
      x-kubernetes-validations:
      - message: a rule naming dropped fields
        rule: has(self.domain.devices)
    status:
      properties:
        conditions:
          items:
            properties:
              lastProbeTime:
                type: string
              type:
                type: string
            required:
            - type
            type: object
          type: array
      type: object
  required:
  - spec
  type: object
`

func TestPruneKeepsOnlyTheNamedPathsAndTheirRequiredEntries(t *testing.T) {
	pruned, err := pruneSchema(schema, []string{"metadata", "spec.domain.memory.guest", "status.conditions[].type"})
	if err != nil {
		t.Fatal(err)
	}
	want := `openAPIV3Schema:
  description: A thing.
  properties:
    metadata:
      type: object
    spec:
      properties:
        domain:
          description: |-
            The domain.

            properties: not a key, a line of text
          properties:
            memory:
              properties:
                guest:
                  type: string
              type: object
          type: object
      required:
      - domain
      type: object
    status:
      properties:
        conditions:
          items:
            properties:
              type:
                type: string
            required:
            - type
            type: object
          type: array
      type: object
  required:
  - spec
  type: object
`
	if pruned != want {
		t.Errorf("pruned schema:\n%s\nwant:\n%s", pruned, want)
	}
}

func TestAPathEndingAtAnObjectKeepsAllOfIt(t *testing.T) {
	pruned, err := pruneSchema(schema, []string{"spec.domain"})
	if err != nil {
		t.Fatal(err)
	}
	for _, kept := range []string{"devices:", "guest:", "- devices"} {
		if !strings.Contains(pruned, kept) {
			t.Errorf("spec.domain kept whole, but %q is missing:\n%s", kept, pruned)
		}
	}
	for _, dropped := range []string{"evictionStrategy:", "status:", "x-kubernetes-validations"} {
		if strings.Contains(pruned, dropped) {
			t.Errorf("%q should be dropped:\n%s", dropped, pruned)
		}
	}
}

func TestAPathThatKubeVirtDoesNotHaveFails(t *testing.T) {
	for path, message := range map[string]string{
		"spec.domian":               "spec has no property domian",
		"status.conditions.type":    "status.conditions has no properties",
		"spec.evictionStrategy[].x": "spec.evictionStrategy is not an array",
	} {
		_, err := pruneSchema(schema, []string{path})
		if err == nil || err.Error() != message {
			t.Errorf("%s: got error %v, want %q", path, err, message)
		}
	}
}

func TestNoKeptPathIsListedTwice(t *testing.T) {
	for kind, paths := range keptFields {
		seen := map[string]bool{}
		for _, path := range paths {
			if seen[path] {
				t.Errorf("%s: %s listed twice", kind, path)
			}
			seen[path] = true
		}
	}
}
