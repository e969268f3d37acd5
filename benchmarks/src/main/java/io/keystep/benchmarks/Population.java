package io.keystep.benchmarks;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The people a run invents: tenants, phone numbers and client addresses, spread so that the platform's abuse limits
 * see ordinary traffic and never refuse a benchmark send. Delivery-service counts sends per tenant and hour by
 * destination (10), by number range, the first five national digits (50), and by country (1,000);
 * challenge-service counts sends per tenant per minute (1,000) and per client address per 10 minutes (30). So a
 * tenant gets at most {@value #PER_TENANT} people, a number range at most {@value #PER_RANGE} numbers (each gets its
 * enrolment code, then its login codes) and a client address at most {@value #PER_ADDRESS} sends. The numbers are valid North American numbers in ranges of real area
 * codes, so that libphonenumber accepts them.
 */
final class Population {

    static final int PER_TENANT = 500;
    static final int PER_RANGE = 20;
    static final int PER_ADDRESS = 25;

    private static final String[] AREA_CODES = ("201 202 203 205 206 207 208 209 210 212 213 214 215 216 217 218 219 "
            + "224 225 228 229 231 234 239 240 248 251 252 253 254 256 260 262 267 269 270 276 281 301 302 303 304 305 "
            + "307 308 309 310 312 313 314 315 316 317 318 319 320 321 323 330 334 336 337 339 347 351 352 360 361 385 "
            + "386 401 402 404 405 406 407 408 409 410 412 413 414 415 417 419 423 424 425 430 432 434 435 440 443 469 "
            + "470 475 478 479 480 484").split(" ");
    /** Second and third digits of the exchange: 20..99, so that the exchange starts with 2-9. */
    private static final int RANGES_PER_AREA = 80;

    /** How many distinct numbers a run can hand out. */
    static final int CAPACITY = AREA_CODES.length * RANGES_PER_AREA * PER_RANGE;

    private final String runId;
    private final AtomicInteger nextPhone = new AtomicInteger();

    Population(String runId) {
        this.runId = runId;
    }

    String runId() {
        return runId;
    }

    /** {@code count} consecutive phone numbers, never handed out before in this run. */
    int allocate(int count) {
        int first = nextPhone.getAndAdd(count);
        if (first + count > CAPACITY) {
            throw new IllegalStateException("a run can use at most " + CAPACITY + " phone numbers");
        }
        return first;
    }

    /** Whether {@code count} more phone numbers can still be handed out. */
    boolean canAllocate(int count) {
        return nextPhone.get() + count <= CAPACITY;
    }

    /** The phone number of index {@code n}: +1 AAA BB5 1000+w, {@value #PER_RANGE} numbers per five-digit range. */
    static String phone(int n) {
        int range = n / PER_RANGE;
        int within = n % PER_RANGE;
        String area = AREA_CODES[range / RANGES_PER_AREA];
        int exchange = 20 + range % RANGES_PER_AREA;
        return "+1" + area + exchange + "5" + (1000 + within);
    }

    /** The tenant of the {@code i}-th person of a group: {@value #PER_TENANT} people per tenant. */
    String tenant(String group, int i) {
        return "bench-" + runId + "-" + group + "-" + (i / PER_TENANT);
    }

    /** A client address from the benchmarking range 198.18.0.0/15 (RFC 2544), shared by 25 people. */
    static String address(int i) {
        int block = i / PER_ADDRESS;
        return "198." + (18 + block / 65536 % 2) + "." + (block / 256 % 256) + "." + (block % 256);
    }
}
