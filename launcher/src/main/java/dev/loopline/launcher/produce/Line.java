package dev.loopline.launcher.produce;

/**
 * One physical input line, without its line terminator.
 *
 * @param number 1-based line number in the input
 * @param text the line decoded as UTF-8; when {@code error} is set, a lenient decoding (or empty,
 *     for an over-long line) that is only good for keeping a CSV parser in step
 * @param error why the line cannot be used (invalid UTF-8, too long), or null
 * @param oddQuotes whether the line holds an odd number of {@code "} characters (a CSV record
 *     continues on the next line), counted on the raw bytes so it is right even for bad lines
 */
public record Line(long number, String text, String error, boolean oddQuotes) {}
