package dev.runway.workflow.expr;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Evaluates a parsed expression against contexts, with GitHub's loose equality, ordering and truthiness. */
final class Evaluator {
    /** The state of the job so far, for success(), failure(), cancelled(). */
    enum Status {
        SUCCESS,
        FAILURE,
        CANCELLED,
        DEPENDENCY_SKIPPED
    }

    /** What functions need from outside the expression. */
    interface Environment {
        Status status();

        /** hashFiles(patterns...): a hash of the matching files, or "" when none match. */
        String hashFiles(List<String> patterns);
    }

    private final Value.Obj contexts;
    private final Environment env;

    Evaluator(Value.Obj contexts, Environment env) {
        this.contexts = contexts;
        this.env = env;
    }

    Value eval(@Nullable Expr e) {
        return switch (e) {
            case null -> Value.NULL;
            case Expr.Literal l -> l.value();
            case Expr.ContextAccess c -> {
                Value v = contexts.get(c.name());
                yield v == null ? Value.NULL : v;
            }
            case Expr.Grouping g -> eval(g.inner());
            case Expr.Not n -> Value.of(!eval(n.operand()).truthy());
            case Expr.Logical l -> {
                Value result = Value.NULL;
                for (Expr arg : l.args()) {
                    result = eval(arg);
                    if (l.op() == Token.Type.AND ? !result.truthy() : result.truthy()) break;
                }
                yield result;
            }
            case Expr.Binary b -> {
                Value left = eval(b.left());
                Value right = eval(b.right());
                yield Value.of(
                        switch (b.op()) {
                            case EQUAL_EQUAL -> looseEquals(left, right);
                            case BANG_EQUAL -> !looseEquals(left, right);
                            case GREATER -> compare(left, right) > 0;
                            case GREATER_EQUAL -> looseEquals(left, right) || compare(left, right) > 0;
                            case LESS -> compare(left, right) < 0;
                            case LESS_EQUAL -> looseEquals(left, right) || compare(left, right) < 0;
                            default -> throw new IllegalStateException("not a binary operator: " + b.op());
                        });
            }
            case Expr.IndexAccess ia -> index(ia);
            case Expr.Call c -> {
                List<Value> args = new ArrayList<>();
                for (Expr a : c.args()) args.add(eval(a));
                yield java.util.Objects.requireNonNull(
                                Functions.STANDARD.get(c.name()), "the parser checked the function name")
                        .impl()
                        .call(args, env);
            }
        };
    }

    private Value index(Expr.IndexAccess ia) {
        Expr index = ia.index();
        boolean star = index == null;
        String key = null;
        Integer idx = null;
        if (index != null) {
            Value i = eval(index);
            if (i.primitive()) key = i.coerceString();
            double f = i.number();
            if (!Double.isNaN(f) && Double.isFinite(f) && f >= 0)
                idx = (int) Math.min(Integer.MAX_VALUE, Math.floor(f));
        }
        Value target = eval(ia.target());
        if (target instanceof Value.Arr a && a.filtered()) {
            List<Value> out = new ArrayList<>();
            for (Value item : a.items()) {
                if (item instanceof Value.Obj o) {
                    if (star) out.addAll(o.values());
                    else if (key != null && o.get(key) != null) out.add(o.get(key));
                } else if (item instanceof Value.Arr inner) {
                    if (star) out.addAll(inner.items());
                    else if (idx != null && idx < inner.items().size())
                        out.add(inner.items().get(idx));
                }
            }
            return new Value.Arr(out, true);
        }
        if (target instanceof Value.Arr a) {
            if (star) return new Value.Arr(a.items(), true);
            return idx != null && idx < a.items().size() ? a.items().get(idx) : Value.NULL;
        }
        if (target instanceof Value.Obj o) {
            if (star) return new Value.Arr(o.values(), true);
            Value v = key == null ? null : o.get(key);
            return v == null ? Value.NULL : v;
        }
        return star ? new Value.Arr(List.of(), true) : Value.NULL;
    }

    /** Brings two values to a common kind: numbers and strings meet as numbers; null and booleans become numbers. */
    private static Value[] coerce(Value l, Value r) {
        if (l.kind() == r.kind()) return new Value[] {l, r};
        switch (l.kind()) {
            case NUMBER:
                if (r.kind() == Value.Kind.STRING) return new Value[] {l, new Value.Num(r.number())};
                break;
            case STRING:
                if (r.kind() == Value.Kind.NUMBER) return new Value[] {new Value.Num(l.number()), r};
                break;
            case NULL, BOOLEAN:
                return coerce(new Value.Num(l.number()), r);
            default:
                break;
        }
        if (r.kind() == Value.Kind.NULL || r.kind() == Value.Kind.BOOLEAN) return coerce(l, new Value.Num(r.number()));
        return new Value[] {l, r};
    }

    static boolean looseEquals(Value a, Value b) {
        Value[] c = coerce(a, b);
        Value l = c[0];
        Value r = c[1];
        if (l.kind() != r.kind()) return false;
        return switch (l) {
            case Value.Null n -> true;
            case Value.Num n -> {
                double x = n.value();
                double y = ((Value.Num) r).value();
                yield !Double.isNaN(x) && !Double.isNaN(y) && x == y;
            }
            case Value.Str s -> upper(s.value()).equals(upper(((Value.Str) r).value()));
            case Value.Bool bl -> bl.value() == ((Value.Bool) r).value();
            default -> l == r; // arrays and objects: the same instance only
        };
    }

    /** Positive if a > b, negative if a < b, 0 when neither holds (incomparable counts as neither). */
    static int compare(Value a, Value b) {
        Value[] c = coerce(a, b);
        Value l = c[0];
        Value r = c[1];
        if (l.kind() != r.kind()) return 0;
        return switch (l) {
            case Value.Num n -> {
                double x = n.value();
                double y = ((Value.Num) r).value();
                yield Double.isNaN(x) || Double.isNaN(y)
                        ? 0
                        : Double.compare(x, y) == 0 ? 0 : (x > y ? 1 : x < y ? -1 : 0);
            }
            case Value.Str s -> Integer.signum(upper(s.value()).compareTo(upper(((Value.Str) r).value())));
            case Value.Bool bl -> Boolean.compare(bl.value(), ((Value.Bool) r).value());
            default -> 0;
        };
    }

    /** Upper case as GitHub compares strings: invariant upper case, except that dotless 'ı' stays as it is. */
    static String upper(String s) {
        if (s.indexOf('ı') < 0) return s.toUpperCase(Locale.ROOT);
        StringBuilder sb = new StringBuilder(s.length());
        int from = 0;
        int at;
        while ((at = s.indexOf('ı', from)) >= 0) {
            sb.append(s.substring(from, at).toUpperCase(Locale.ROOT)).append('ı');
            from = at + 1;
        }
        return sb.append(s.substring(from).toUpperCase(Locale.ROOT)).toString();
    }
}
