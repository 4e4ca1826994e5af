package dev.runway.workflow.expr;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** JSON to and from expression values, writing exactly as JavaScript's {@code JSON.stringify(v, null, "  ")} does. */
public final class JsonValues {
    private static final ObjectMapper MAPPER = JsonMapper.builder().build();

    public static Value parse(String json) throws IOException {
        return fromNode(MAPPER.readTree(json));
    }

    public static Value fromNode(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return Value.NULL;
        if (n.isBoolean()) return Value.of(n.booleanValue());
        if (n.isNumber()) return new Value.Num(n.doubleValue());
        if (n.isTextual()) return new Value.Str(n.textValue());
        if (n.isArray()) {
            List<Value> items = new ArrayList<>();
            n.forEach(i -> items.add(fromNode(i)));
            return new Value.Arr(items);
        }
        Value.Obj o = new Value.Obj();
        for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            o.put(e.getKey(), fromNode(e.getValue()));
        }
        return o;
    }

    public static String stringify(Value v) {
        StringBuilder sb = new StringBuilder();
        write(v, sb, "");
        return sb.toString();
    }

    private static void write(Value v, StringBuilder sb, String indent) {
        switch (v) {
            case Value.Null n -> sb.append("null");
            case Value.Bool b -> sb.append(b.value());
            case Value.Num n -> sb.append(Double.isFinite(n.value()) ? JsNumbers.toString(n.value()) : "null");
            case Value.Str s -> quote(s.value(), sb);
            case Value.Arr a -> {
                if (a.items().isEmpty()) {
                    sb.append("[]");
                    return;
                }
                String inner = indent + "  ";
                sb.append("[\n");
                for (int i = 0; i < a.items().size(); i++) {
                    sb.append(inner);
                    write(a.items().get(i), sb, inner);
                    Functions.bounded(sb);
                    sb.append(i < a.items().size() - 1 ? ",\n" : "\n");
                }
                sb.append(indent).append(']');
            }
            case Value.Obj o -> {
                if (o.keys().isEmpty()) {
                    sb.append("{}");
                    return;
                }
                String inner = indent + "  ";
                sb.append("{\n");
                List<String> keys = o.keys();
                for (int i = 0; i < keys.size(); i++) {
                    sb.append(inner);
                    quote(keys.get(i), sb);
                    sb.append(": ");
                    write(java.util.Objects.requireNonNull(o.get(keys.get(i))), sb, inner);
                    Functions.bounded(sb);
                    sb.append(i < keys.size() - 1 ? ",\n" : "\n");
                }
                sb.append(indent).append('}');
            }
        }
    }

    private static void quote(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    boolean loneSurrogate = Character.isSurrogate(c)
                            && !(Character.isHighSurrogate(c)
                                    && i + 1 < s.length()
                                    && Character.isLowSurrogate(s.charAt(i + 1)))
                            && !(Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(s.charAt(i - 1)));
                    if (c < 0x20 || loneSurrogate) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    private JsonValues() {}
}
