// Command sleepcheck fails when a test waits on the wall clock: a call to
// time.Sleep or time.Since in a *_test.go file outside a synctest bubble
// (lexically inside the function passed to synctest.Test or synctest.Run)
// and outside a benchmark (a function taking a *testing.B, whose timing is
// its purpose).
// Such a test flakes on a loaded machine; move it to testing/synctest or to
// an injected clock. A justified exception, e.g. the poll interval of a
// condition on another process, is marked on its line or the line above
// with a comment "// sleep-ok: <why>".
//
// Usage: go run ./.ci/sleepcheck [dir]   (default ".")
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// checked are the functions of package time that read or wait on the wall
// clock in a way a test must not rely on.
var checked = map[string]bool{"Sleep": true, "Since": true}

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	found, err := run(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sleepcheck:", err)
		os.Exit(2)
	}
	for _, f := range found {
		fmt.Println(f)
	}
	if len(found) > 0 {
		fmt.Printf("sleepcheck: %d wall-clock wait(s) in tests: move them to testing/synctest or an injected clock, or mark a justified one `// sleep-ok: <why>`\n", len(found))
		os.Exit(1)
	}
}

// run checks every *_test.go file under root, except in node_modules,
// testdata and hidden directories.
func run(root string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "node_modules" || name == "testdata" || (name != "." && strings.HasPrefix(name, ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := check(path)
		found = append(found, f...)
		return err
	})
	return found, err
}

// check returns the unmarked wall-clock calls outside synctest bubbles in
// the file at path, as "path:line: what".
func check(path string) ([]string, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	timePkg, synctestPkg := importName(file, "time"), importName(file, "testing/synctest")
	if timePkg == "" {
		return nil, nil
	}
	// A sleep-ok comment marks its line; alone on its line, the next one.
	marked := map[int]bool{}
	for _, g := range file.Comments {
		for _, c := range g.List {
			if !strings.Contains(c.Text, "sleep-ok:") {
				continue
			}
			pos := fset.Position(c.Slash)
			marked[pos.Line] = true
			if strings.TrimSpace(string(src[pos.Offset-pos.Column+1:pos.Offset])) == "" {
				marked[pos.Line+1] = true
			}
		}
	}
	var found []string
	var stack []ast.Node
	ast.Inspect(file, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		call, ok := n.(*ast.CallExpr)
		if !ok || !isCall(call, timePkg, "") {
			return true
		}
		name := call.Fun.(*ast.SelectorExpr).Sel.Name
		if !checked[name] {
			return true
		}
		line := fset.Position(call.Pos()).Line
		if marked[line] || inBubble(stack, synctestPkg) || inBenchmark(stack, importName(file, "testing")) {
			return true
		}
		found = append(found, fmt.Sprintf("%s:%d: time.%s outside a synctest bubble", path, line, name))
		return true
	})
	return found, nil
}

// inBubble reports whether the innermost node of stack lies inside a
// function literal passed to synctest.Test or synctest.Run.
func inBubble(stack []ast.Node, synctestPkg string) bool {
	if synctestPkg == "" {
		return false
	}
	for i := len(stack) - 1; i > 0; i-- {
		lit, ok := stack[i].(*ast.FuncLit)
		if !ok {
			continue
		}
		if call, ok := stack[i-1].(*ast.CallExpr); ok && (isCall(call, synctestPkg, "Test") || isCall(call, synctestPkg, "Run")) {
			for _, a := range call.Args {
				if a == lit {
					return true
				}
			}
		}
	}
	return false
}

// inBenchmark reports whether the innermost node of stack lies inside a
// function that takes a *testing.B.
func inBenchmark(stack []ast.Node, testingPkg string) bool {
	for _, n := range stack {
		var ft *ast.FuncType
		switch f := n.(type) {
		case *ast.FuncDecl:
			ft = f.Type
		case *ast.FuncLit:
			ft = f.Type
		default:
			continue
		}
		for _, p := range ft.Params.List {
			if star, ok := p.Type.(*ast.StarExpr); ok {
				if sel, ok := star.X.(*ast.SelectorExpr); ok && sel.Sel.Name == "B" {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == testingPkg {
						return true
					}
				}
			}
		}
	}
	return false
}

// isCall reports whether call calls pkg.name (any name when name is "").
func isCall(call *ast.CallExpr, pkg, name string) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	return ok && id.Name == pkg && (name == "" || sel.Sel.Name == name)
}

// importName is the name file uses for the package at path, "" when it
// does not import it.
func importName(file *ast.File, path string) string {
	for _, imp := range file.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == path {
			if imp.Name != nil {
				return imp.Name.Name
			}
			return path[strings.LastIndex(path, "/")+1:]
		}
	}
	return ""
}
