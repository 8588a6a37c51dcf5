package io.hermod.server.management;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The query parameters RabbitMQ's management API takes on its list endpoints, and the answer they shape: {@code sort}
 * (an item's field, dotted for a nested one: {@code message_stats.publish}) with {@code sort_reverse}, and paging.
 * With {@code page} (from 1) the answer is an object {@code {total_count, item_count, filtered_count, page, page_size,
 * page_count, items}} holding one page of {@code page_size} items (default {@value #DEFAULT_PAGE_SIZE}, at most
 * {@value #MAX_PAGE_SIZE}) among those whose {@code name} matches the {@code name} parameter: a case-insensitive
 * substring, or a regular expression found anywhere in the name when {@code use_regex} is {@code true}. Without
 * {@code page} the answer stays the whole array and {@code name} is ignored, as in RabbitMQ.
 *
 * <p>Threading: an immutable value made for one request.
 *
 * @param page the page asked for, or 0 for the whole list
 * @param nameFilter which items' names are kept on a page
 * @param sort the field to sort by, or null to keep the resource's order (by vhost, then name)
 */
record ListQuery(int page, int pageSize, Predicate<String> nameFilter, String sort, boolean sortReverse) {

    static final int DEFAULT_PAGE_SIZE = 100;
    static final int MAX_PAGE_SIZE = 500;

    /**
     * Reads the list parameters of a request.
     *
     * @throws ApiException 400 for a page below 1, a page size outside 1 to {@value #MAX_PAGE_SIZE}, a value that is
     *     not a number, or a {@code name} that is not a valid regular expression when {@code use_regex} is true
     */
    static ListQuery of(ApiRequest request) {
        String sort = request.queryParam("sort");
        boolean sortReverse = "true".equals(request.queryParam("sort_reverse"));
        String pageParam = request.queryParam("page");
        if (pageParam == null) {
            return new ListQuery(0, DEFAULT_PAGE_SIZE, n -> true, emptyToNull(sort), sortReverse);
        }
        String pageSizeParam = request.queryParam("page_size");
        int page = integer(pageParam);
        int pageSize = pageSizeParam == null ? DEFAULT_PAGE_SIZE : integer(pageSizeParam);
        if (page < 1 || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw ApiException.badRequest("Invalid pagination parameters: page number " + pageParam + ", page size "
                    + (pageSizeParam == null ? DEFAULT_PAGE_SIZE : pageSizeParam)
                    + " (page from 1, page size from 1 to "
                    + MAX_PAGE_SIZE + ")");
        }
        String name = request.queryParam("name");
        boolean useRegex = "true".equals(request.queryParam("use_regex"));
        return new ListQuery(page, pageSize, nameFilter(name, useRegex), emptyToNull(sort), sortReverse);
    }

    /** A request's list as the query shapes it: sorted, and one page of it when a page was asked for. */
    static ApiResponse reply(ApiRequest request, List<Map<String, Object>> items) {
        return ApiResponse.ok(of(request).apply(items));
    }

    /**
     * The list sorted as asked, or, with a page, the object holding that page and the counts.
     *
     * @throws ApiException 400 for a page after the last one (page 1 of an empty list is an empty page)
     */
    Object apply(List<Map<String, Object>> items) {
        List<Map<String, Object>> sorted = sorted(items);
        if (page == 0) {
            return sorted;
        }
        List<Map<String, Object>> filtered = sorted.stream()
                .filter(item -> nameFilter.test(String.valueOf(item.get("name"))))
                .toList();
        int pageCount = (filtered.size() + pageSize - 1) / pageSize;
        if (page > Math.max(1, pageCount)) {
            throw ApiException.badRequest(
                    "Page out of range, page: " + page + " page size: " + pageSize + ", len: " + filtered.size());
        }
        int from = (page - 1) * pageSize;
        List<Map<String, Object>> pageItems = filtered.subList(from, Math.min(from + pageSize, filtered.size()));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("total_count", items.size());
        m.put("item_count", pageItems.size());
        m.put("filtered_count", filtered.size());
        m.put("page", page);
        m.put("page_size", pageSize);
        m.put("page_count", pageCount);
        m.put("items", pageItems);
        return m;
    }

    private List<Map<String, Object>> sorted(List<Map<String, Object>> items) {
        if (sort == null) {
            return items;
        }
        String[] path = sort.split("\\.");
        Comparator<Map<String, Object>> byField = Comparator.comparing(item -> field(item, path), ListQuery::compare);
        List<Map<String, Object>> out = new ArrayList<>(items);
        out.sort(sortReverse ? byField.reversed() : byField);
        return out;
    }

    /** The value at a dotted path in an item, or null where the path leads nowhere. */
    private static Object field(Map<String, Object> item, String[] path) {
        Object value = item;
        for (String key : path) {
            if (!(value instanceof Map<?, ?> map)) {
                return null;
            }
            value = map.get(key);
        }
        return value;
    }

    /** Orders values of a sort field: missing first, then booleans, numbers, text; anything else by its text. */
    private static int compare(Object a, Object b) {
        int byKind = Integer.compare(kind(a), kind(b));
        if (byKind != 0) {
            return byKind;
        }
        return switch (a) {
            case null -> 0;
            case Boolean x -> x.compareTo((Boolean) b);
            case Number x -> Double.compare(x.doubleValue(), ((Number) b).doubleValue());
            default -> String.valueOf(a).compareTo(String.valueOf(b));
        };
    }

    private static int kind(Object value) {
        if (value == null) {
            return 0;
        }
        if (value instanceof Boolean) {
            return 1;
        }
        return value instanceof Number ? 2 : 3;
    }

    private static Predicate<String> nameFilter(String name, boolean useRegex) {
        if (name == null || name.isEmpty()) {
            return n -> true;
        }
        if (useRegex) {
            try {
                Pattern pattern = Pattern.compile(name);
                return n -> pattern.matcher(n).find();
            } catch (PatternSyntaxException e) {
                throw ApiException.badRequest("invalid regular expression in name: " + e.getDescription());
            }
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return n -> n.toLowerCase(Locale.ROOT).contains(lower);
    }

    /** A whole number, or -1 (refused by the caller) when the text is not one or too large. */
    private static int integer(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
