package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
)

// readValidations returns the CRDsValidation map of validations_generated.go: for each CRD's
// singular name, its schema as YAML ("openAPIV3Schema: ...").
func readValidations(path string) (map[string]string, error) {
	file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	for _, decl := range file.Decls {
		spec, ok := singleValueSpec(decl, "CRDsValidation")
		if !ok {
			continue
		}
		literal, ok := spec.(*ast.CompositeLit)
		if !ok {
			return nil, fmt.Errorf("%s: CRDsValidation is not a map literal", path)
		}
		schemas := map[string]string{}
		for _, element := range literal.Elts {
			entry, ok := element.(*ast.KeyValueExpr)
			if !ok {
				return nil, fmt.Errorf("%s: CRDsValidation has an element that is not key: value", path)
			}
			key, err := stringValue(entry.Key, nil)
			if err != nil {
				return nil, err
			}
			value, err := stringValue(entry.Value, nil)
			if err != nil {
				return nil, fmt.Errorf("%s: schema %q: %w", path, key, err)
			}
			schemas[key] = value
		}
		return schemas, nil
	}
	return nil, fmt.Errorf("%s: no CRDsValidation", path)
}

// singleValueSpec returns the value of the top-level var or const named name, if decl declares it.
func singleValueSpec(decl ast.Decl, name string) (ast.Expr, bool) {
	general, ok := decl.(*ast.GenDecl)
	if !ok || (general.Tok != token.VAR && general.Tok != token.CONST) {
		return nil, false
	}
	for _, spec := range general.Specs {
		value := spec.(*ast.ValueSpec)
		for i, ident := range value.Names {
			if ident.Name == name && i < len(value.Values) {
				return value.Values[i], true
			}
		}
	}
	return nil, false
}

// stringValue evaluates a constant string expression: literals, concatenations, and names that
// resolve (through constants) to them.
func stringValue(expr ast.Expr, constants func(ast.Expr) (ast.Expr, bool)) (string, error) {
	switch e := expr.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", fmt.Errorf("%s is not a string", e.Value)
		}
		return strconv.Unquote(e.Value)
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", fmt.Errorf("unsupported operator %s in a string", e.Op)
		}
		left, err := stringValue(e.X, constants)
		if err != nil {
			return "", err
		}
		right, err := stringValue(e.Y, constants)
		if err != nil {
			return "", err
		}
		return left + right, nil
	case *ast.ParenExpr:
		return stringValue(e.X, constants)
	}
	if constants != nil {
		if value, ok := constants(expr); ok {
			return stringValue(value, constants)
		}
	}
	return "", fmt.Errorf("cannot evaluate %T as a string", expr)
}
