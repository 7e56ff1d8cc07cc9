// Command mutate is a small mutation tester for Gatehouse's security checks.
// It applies one mutation at a time to a Go file in a copy of the tree,
// runs the owning package's tests (with a -run filter, -failfast and a
// timeout), and reports whether a test noticed. The original file is written
// back after every mutant, and on SIGINT/SIGTERM.
//
// Usage (from a copy of the tree, never from a worktree others use):
//
//	go run ./.ci/mutate -root /tmp/mut-tree -plan .ci/mutate/plan.txt [-only file:line,...] [-list]
//
// The plan has one line per target, fields separated by " | ":
//
//	package | -run regexp ("" for all tests) | file | functions (comma-separated; * for all)
//
// Mutations, on lines inside the listed functions only (error propagation,
// "if err != nil { return ..., err }", is left alone):
//   - an if condition negated;
//   - == and != swapped, < and <=, > and >= swapped, && and || swapped;
//   - ! removed;
//   - a case expression of a tag-less switch replaced by false (the
//     refusal it guards is dropped);
//   - a return, continue or break nested in an if or case removed (the
//     code falls through to the success path);
//   - true and false swapped in a return.
//
// Each mutant ends KILLED (a test failed or timed out), SURVIVED (every test
// passed) or INVALID (the mutant does not compile).
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
)

// target is one line of the plan.
type target struct {
	pkg, run, file string
	funcs          []string // nil: all
}

// refusalOnly limits the mutants to those that make a check accept what it
// refused (-refusals): the cheapest set when a test run is slow.
var refusalOnly bool

// mutant is one textual change of a file: bytes [start, end) replaced by repl.
type mutant struct {
	file       string
	line       int
	start, end int
	repl, desc string
}

func main() {
	root := flag.String("root", ".", "the copy of the tree to mutate")
	plan := flag.String("plan", ".ci/mutate/plan.txt", "the plan file")
	only := flag.String("only", "", "run only mutants on these file:line (comma-separated)")
	list := flag.Bool("list", false, "list the mutants, run nothing")
	timeout := flag.Duration("timeout", 3*time.Minute, "timeout of one test run")
	flag.BoolVar(&refusalOnly, "refusals", false, "only the mutants that drop a refusal or move a bound: case -> false, return/continue removed, < and <= swapped, return false -> true")
	flag.Parse()

	targets, err := readPlan(*plan)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(2)
	}
	var onlySet map[string]bool
	if *only != "" {
		onlySet = map[string]bool{}
		for _, s := range strings.Split(*only, ",") {
			onlySet[strings.TrimSpace(s)] = true
		}
	}

	// Restore whatever file is mutated when interrupted.
	var current struct {
		path string
		orig []byte
	}
	restore := func() {
		if current.path != "" {
			os.WriteFile(current.path, current.orig, 0o644)
			current.path = ""
		}
	}
	defer restore()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sig
		cancel()
	}()

	counts := map[string]int{}
	for _, t := range targets {
		path := filepath.Join(*root, t.file)
		orig, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mutate:", err)
			os.Exit(2)
		}
		ms, err := mutants(t, orig)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mutate:", err)
			os.Exit(2)
		}
		for _, m := range ms {
			if onlySet != nil && !onlySet[fmt.Sprintf("%s:%d", m.file, m.line)] {
				continue
			}
			if *list {
				fmt.Printf("%s:%d\t%s\n", m.file, m.line, m.desc)
				continue
			}
			src := slices.Concat(orig[:m.start], []byte(m.repl), orig[m.end:])
			current.path, current.orig = path, orig
			if err := os.WriteFile(path, src, 0o644); err != nil {
				restore()
				fmt.Fprintln(os.Stderr, "mutate:", err)
				os.Exit(2)
			}
			status, out := runTests(ctx, *root, t, *timeout)
			restore()
			if ctx.Err() != nil {
				fmt.Fprintln(os.Stderr, "mutate: interrupted")
				os.Exit(130)
			}
			counts[status]++
			fmt.Printf("%-8s %s:%d\t%s%s\n", status, m.file, m.line, m.desc, out)
		}
	}
	if !*list {
		fmt.Printf("mutants %d: killed %d, survived %d, invalid %d\n",
			counts["KILLED"]+counts["SURVIVED"]+counts["INVALID"], counts["KILLED"], counts["SURVIVED"], counts["INVALID"])
	}
}

// runTests runs t's package tests in root and classifies the result; for a
// killed mutant it returns the first failing test's name.
func runTests(ctx context.Context, root string, t target, timeout time.Duration) (string, string) {
	args := []string{"test", "-count=1", "-failfast", "-vet=off", "-timeout", timeout.String()}
	if t.run != "" {
		args = append(args, "-run", t.run)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, t.pkg)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOFLAGS=-p=1")
	out, err := cmd.CombinedOutput()
	switch {
	case err == nil:
		return "SURVIVED", ""
	case bytes.Contains(out, []byte("[build failed]")) || bytes.Contains(out, []byte("[setup failed]")):
		return "INVALID", ""
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "--- FAIL: ") {
			return "KILLED", "\t(" + strings.Fields(l)[2] + ")"
		}
		if strings.HasPrefix(sc.Text(), "panic: test timed out") {
			return "KILLED", "\t(timeout)"
		}
	}
	return "KILLED", ""
}

// readPlan parses the plan file.
func readPlan(path string) ([]target, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var ts []target
	for i, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, " | ")
		if len(f) != 4 {
			return nil, fmt.Errorf("%s:%d: want 4 fields separated by \" | \"", path, i+1)
		}
		t := target{pkg: strings.TrimSpace(f[0]), run: strings.Trim(strings.TrimSpace(f[1]), `"`), file: strings.TrimSpace(f[2])}
		if fs := strings.TrimSpace(f[3]); fs != "*" {
			t.funcs = strings.Split(fs, ",")
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// mutants lists the mutations of t's functions in src.
func mutants(t target, src []byte) ([]mutant, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, t.file, src, 0)
	if err != nil {
		return nil, err
	}
	var ms []mutant
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	text := func(n ast.Node) string { return string(src[off(n.Pos()):off(n.End())]) }
	add := func(n ast.Node, start, end int, repl, desc string) {
		if refusalOnly && !refusal(desc) {
			return
		}
		ms = append(ms, mutant{file: t.file, line: fset.Position(n.Pos()).Line, start: start, end: end, repl: repl, desc: desc})
	}
	found := map[string]bool{}
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		name := fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) == 1 {
			name = recvName(fd.Recv.List[0].Type) + "." + name
		}
		if t.funcs != nil && !slices.Contains(t.funcs, name) && !slices.Contains(t.funcs, fd.Name.Name) {
			continue
		}
		found[name] = true
		// nested: statements inside an if or a case, where removing a
		// return or continue leads on to the success path.
		nested, caseReturn := map[ast.Stmt]bool{}, map[ast.Stmt]bool{}
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.IfStmt:
				for _, s := range n.Body.List {
					nested[s] = true
				}
				if e, ok := n.Else.(*ast.BlockStmt); ok {
					for _, s := range e.List {
						nested[s] = true
					}
				}
				if !errCheck(n.Cond) && !negatedElsewhere(n.Cond) && !onlyReturns(n.Body) {
					add(n.Cond, off(n.Cond.Pos()), off(n.Cond.End()), "!("+text(n.Cond)+")", "if "+short(text(n.Cond))+" negated")
				}
			case *ast.CaseClause:
				for _, s := range n.Body {
					nested[s] = true
				}
			case *ast.SwitchStmt:
				if n.Tag == nil {
					for _, c := range n.Body.List {
						// case X -> false is this case's refusal dropped:
						// its return is not removed too.
						for _, s := range c.(*ast.CaseClause).Body {
							if _, ok := s.(*ast.ReturnStmt); ok {
								caseReturn[s] = true
							}
						}
						for _, e := range c.(*ast.CaseClause).List {
							// "false && (X)" keeps X's names used.
							add(e, off(e.Pos()), off(e.End()), "false && ("+text(e)+")", "case "+short(text(e))+" -> false")
						}
					}
				}
			case *ast.BinaryExpr:
				if to, ok := swaps[n.Op]; ok && !errCheck(n) {
					p := off(n.OpPos)
					add(n, p, p+len(n.Op.String()), to.String(), short(text(n))+": "+n.Op.String()+" -> "+to.String())
				}
			case *ast.UnaryExpr:
				if n.Op == token.NOT {
					add(n, off(n.OpPos), off(n.OpPos)+1, "", short(text(n))+": ! removed")
				}
			case *ast.ReturnStmt:
				if nested[n] && !caseReturn[n] && !passesErr(n) {
					add(n, off(n.Pos()), off(n.End()), "", short(text(n))+" removed")
				}
				for _, r := range n.Results {
					if id, ok := r.(*ast.Ident); ok && (id.Name == "true" || id.Name == "false") {
						to := map[string]string{"true": "false", "false": "true"}[id.Name]
						add(id, off(id.Pos()), off(id.End()), to, "return "+id.Name+" -> "+to)
					}
				}
			case *ast.BranchStmt:
				if nested[n] && (n.Tok == token.CONTINUE || n.Tok == token.BREAK) {
					add(n, off(n.Pos()), off(n.End()), "", n.Tok.String()+" removed")
				}
			}
			return true
		})
	}
	for _, fn := range t.funcs {
		ok := found[fn]
		for name := range found {
			ok = ok || strings.HasSuffix(name, "."+fn)
		}
		if !ok {
			return nil, fmt.Errorf("%s: no function %s", t.file, fn)
		}
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].start < ms[j].start })
	return ms, nil
}

// refusal reports whether the mutant described by desc drops a refusal or
// moves a bound (see -refusals).
func refusal(desc string) bool {
	for _, suffix := range []string{" -> false", " removed", ": < -> <=", ": <= -> <", ": > -> >=", ": >= -> >", "return false -> true"} {
		if strings.HasSuffix(desc, suffix) && !strings.HasSuffix(desc, ": ! removed") && desc != "return true -> false" {
			return true
		}
	}
	return false
}

// errCheck reports whether e is err != nil or err == nil: error
// propagation, whose mutants only feed nil values onward (they crash, and
// cost a test run each), not a check.
func errCheck(e ast.Expr) bool {
	b, ok := e.(*ast.BinaryExpr)
	if !ok || (b.Op != token.EQL && b.Op != token.NEQ) {
		return false
	}
	x, ok1 := b.X.(*ast.Ident)
	y, ok2 := b.Y.(*ast.Ident)
	return ok1 && ok2 && x.Name == "err" && y.Name == "nil"
}

// negatedElsewhere reports whether negating the if condition e would repeat
// another mutant: an == or != comparison (swapped) or a !x (! removed).
func negatedElsewhere(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BinaryExpr:
		return e.Op == token.EQL || e.Op == token.NEQ
	case *ast.UnaryExpr:
		return e.Op == token.NOT
	}
	return false
}

// onlyReturns reports whether b is one return statement: its if is then
// mutated by removing the return (the refusal dropped), not by negation.
func onlyReturns(b *ast.BlockStmt) bool {
	if len(b.List) != 1 {
		return false
	}
	_, ok := b.List[0].(*ast.ReturnStmt)
	return ok
}

// passesErr reports whether r hands an error from below on (its last result
// is the identifier err): removing it is error propagation, not a check.
func passesErr(r *ast.ReturnStmt) bool {
	if len(r.Results) == 0 {
		return false
	}
	id, ok := r.Results[len(r.Results)-1].(*ast.Ident)
	return ok && id.Name == "err"
}

// swaps are the operator mutations.
var swaps = map[token.Token]token.Token{
	token.EQL: token.NEQ, token.NEQ: token.EQL,
	token.LSS: token.LEQ, token.LEQ: token.LSS,
	token.GTR: token.GEQ, token.GEQ: token.GTR,
	token.LAND: token.LOR, token.LOR: token.LAND,
}

// recvName is the type name of a method receiver.
func recvName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.StarExpr:
		return recvName(e.X)
	case *ast.Ident:
		return e.Name
	case *ast.IndexExpr:
		return recvName(e.X)
	case *ast.IndexListExpr:
		return recvName(e.X)
	}
	return "?"
}

// short is s on one line, at most 60 characters.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
