package dev.runway.workflow.expr;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Splits an expression (the text inside {@code ${{ }}}) into tokens, following GitHub's lexer. */
final class Lexer {
    static final int MAX_LENGTH = dev.runway.workflow.Limits.MAX_EXPRESSION_LENGTH;

    private final String in;
    private final List<Token> tokens = new ArrayList<>();
    private int start;
    private int offset;
    private int line;
    private int lastLineOffset;

    Lexer(String input) {
        this.in = input;
    }

    List<Token> lex() {
        if (in.length() > MAX_LENGTH) {
            throw new ExpressionException(
                    ExpressionException.Stage.LEXING, "Exceeded max expression length " + MAX_LENGTH, 0);
        }
        while (offset < in.length()) {
            start = offset;
            char c = in.charAt(offset++);
            switch (c) {
                case '(' -> add(Token.Type.LEFT_PAREN, null);
                case ')' -> add(Token.Type.RIGHT_PAREN, null);
                case '[' -> add(Token.Type.LEFT_BRACKET, null);
                case ']' -> add(Token.Type.RIGHT_BRACKET, null);
                case ',' -> add(Token.Type.COMMA, null);
                case '.' -> {
                    Token.Type p = previous();
                    if (p != Token.Type.IDENTIFIER
                            && p != Token.Type.RIGHT_BRACKET
                            && p != Token.Type.RIGHT_PAREN
                            && p != Token.Type.STAR) {
                        number();
                    } else {
                        add(Token.Type.DOT, null);
                    }
                }
                case '-', '+' -> number();
                case '!' -> add(match('=') ? Token.Type.BANG_EQUAL : Token.Type.BANG, null);
                case '=' -> {
                    if (match('=')) add(Token.Type.EQUAL_EQUAL, null);
                    else identifier();
                }
                case '<' -> add(match('=') ? Token.Type.LESS_EQUAL : Token.Type.LESS, null);
                case '>' -> add(match('=') ? Token.Type.GREATER_EQUAL : Token.Type.GREATER, null);
                case '&' -> {
                    if (match('&')) add(Token.Type.AND, null);
                    else identifier();
                }
                case '|' -> {
                    if (match('|')) add(Token.Type.OR, null);
                    else identifier();
                }
                case '*' -> add(Token.Type.STAR, null);
                case ' ', '\r', '\t' -> {}
                case '\n' -> {
                    line++;
                    lastLineOffset = offset;
                }
                case '\'' -> string();
                default -> {
                    if (c >= '0' && c <= '9') number();
                    else identifier();
                }
            }
        }
        start = offset;
        tokens.add(new Token(Token.Type.EOF, "", null, line, start - lastLineOffset, start));
        return tokens;
    }

    private Token.Type previous() {
        return tokens.isEmpty() ? Token.Type.EOF : tokens.get(tokens.size() - 1).type();
    }

    private boolean match(char expected) {
        if (offset >= in.length() || in.charAt(offset) != expected) return false;
        offset++;
        return true;
    }

    private void add(Token.Type type, @Nullable Object value) {
        tokens.add(new Token(type, in.substring(start, offset), value, line, start - lastLineOffset, start));
    }

    private void number() {
        while (offset < in.length() && (!boundary(in.charAt(offset)) || in.charAt(offset) == '.')) offset++;
        String lexeme = in.substring(start, offset);
        double v = JsNumbers.parse(lexeme);
        if (Double.isNaN(v)) throw unexpected(lexeme);
        add(Token.Type.NUMBER, v);
    }

    private void string() {
        while (offset < in.length() && (in.charAt(offset) != '\'' || peekNext() == '\'')) {
            if (in.charAt(offset) == '\n') line++;
            if (in.charAt(offset) == '\'' && peekNext() == '\'') offset++;
            offset++;
        }
        if (offset >= in.length()) throw unexpected(in.substring(start));
        offset++;
        String value = in.substring(start + 1, offset - 1).replace("''", "'");
        add(Token.Type.STRING, value);
    }

    private char peekNext() {
        return offset + 1 < in.length() ? in.charAt(offset + 1) : '\0';
    }

    private void identifier() {
        while (offset < in.length() && !boundary(in.charAt(offset))) offset++;
        String lexeme = in.substring(start, offset);
        Token.Type type = Token.Type.IDENTIFIER;
        Object value = null;
        if (previous() != Token.Type.DOT) {
            switch (lexeme) {
                case "true" -> type = Token.Type.TRUE;
                case "false" -> type = Token.Type.FALSE;
                case "null" -> type = Token.Type.NULL;
                case "NaN" -> {
                    type = Token.Type.NUMBER;
                    value = Double.NaN;
                }
                case "Infinity" -> {
                    type = Token.Type.NUMBER;
                    value = Double.POSITIVE_INFINITY;
                }
                default -> {}
            }
        }
        if (!legalIdentifier(lexeme)) throw unexpected(lexeme);
        add(type, value);
    }

    private ExpressionException unexpected(String lexeme) {
        return new ExpressionException(
                ExpressionException.Stage.LEXING, "Unexpected symbol: '" + lexeme + "'", start + 1);
    }

    static boolean boundary(char c) {
        return switch (c) {
            case '(', '[', ')', ']', ',', '.', '!', '>', '<', '=', '&', '|' -> true;
            default -> Character.isWhitespace(c);
        };
    }

    static boolean legalIdentifier(String s) {
        if (s.isEmpty()) return false;
        char f = s.charAt(0);
        if (!((f >= 'a' && f <= 'z') || (f >= 'A' && f <= 'Z') || f == '_')) return false;
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
                return false;
        }
        return true;
    }
}
