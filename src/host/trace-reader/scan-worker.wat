;; The reader thread's per-line hot path (see ./scan-worker.ts), as WebAssembly: crossing from JS into
;; WebAssembly costs about as much as comparing a whole line, so the common line is done here from its
;; first byte to its record, and JS is called back only for the others. Built into
;; ./scan-worker-wasm.ts by `npm run build:wasm`; a test checks that the two agree.
;;
;; The memory is laid out by the worker: a state word at 0, the per-task tables, the records out, the
;; read buffer, the tables of kept texts by id and the arena of their bytes. Every address given here
;; is absolute.
(module
  (import "m" "mem" (memory 1))

  ;; 1 when the $n bytes at $a and $b are the same, else 0: eight bytes at a time wherever they lie,
  ;; the last eight first (where a call's result is, which is where repeats of a call differ).
  (func $eq (export "eq") (param $a i32) (param $b i32) (param $n i32) (result i32)
    (local $last i32)
    (local $at i32)
    (if (i32.lt_u (local.get $n) (i32.const 8))
      (then
        (loop $bytes
          (if (i32.eqz (local.get $n)) (then (return (i32.const 1))))
          (if (i32.ne (i32.load8_u (local.get $a)) (i32.load8_u (local.get $b))) (then (return (i32.const 0))))
          (local.set $a (i32.add (local.get $a) (i32.const 1)))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (br $bytes))))
    (local.set $last (i32.sub (local.get $n) (i32.const 8)))
    (if (i64.ne (i64.load (i32.add (local.get $a) (local.get $last))) (i64.load (i32.add (local.get $b) (local.get $last))))
      (then (return (i32.const 0))))
    (loop $words
      (if (i32.ge_u (local.get $at) (local.get $last)) (then (return (i32.const 1))))
      (if (i64.ne (i64.load (i32.add (local.get $a) (local.get $at))) (i64.load (i32.add (local.get $b) (local.get $at))))
        (then (return (i32.const 0))))
      (local.set $at (i32.add (local.get $at) (i32.const 8)))
      (br $words))
    (i32.const 1))

  ;; Lines from $p on, while each is `PID<spaces>TEXT` (the pid without a leading 0, at most 4194304,
  ;; at most 7 digits, under 4096 spaces), `[pid PID] TEXT` or a bare `TEXT`, and TEXT is a text
  ;; already kept: the one its task's previous text was followed by last time or the time before
  ;; ($succ, $alt), or else one found in the hash table ($slots, $hashes) under the hash JS's idOf
  ;; computes first. For each: its record (leader code, pid, id, $others) at $rec, its task's last id,
  ;; and the successor tables, all as the JS path sets them. Stops before the first other line, before
  ;; $stop is passed, or when $recEnd is reached: it returns where it stopped and stores at address 0
  ;; where its records end. Nothing of a line it stops at has been changed, so that JS can take that
  ;; line from its start.
  ;;
  ;; $tasks: the last pid seen in each of 4096 slots (by pid), and 16384 bytes on, that task's last id.
  (func $scan (export "scan")
    (param $p i32) (param $stop i32) (param $rec i32) (param $recEnd i32)
    (param $starts i32) (param $lengths i32) (param $succ i32) (param $alt i32)
    (param $arena i32) (param $tasks i32) (param $others i32)
    (param $slots i32) (param $hashes i32) (param $mask i32) (param $text i32) (param $textEnd i32)
    (result i32)
    (local $i i32) (local $c i32) (local $pid i32) (local $code i32) (local $mark i32)
    (local $slot i32) (local $prev i32) (local $id i32) (local $other i32) (local $length i32) (local $end i32)
    (local $hash i32) (local $step i32) (local $k i32) (local $at i32) (local $pad i32) (local $pad2 i32)
    (local $simple i32) (local $hasPid i32) (local $bracket i32)
    (block $out
      (loop $line
        (br_if $out (i32.gt_u (local.get $p) (local.get $stop)))
        (br_if $out (i32.ge_u (local.get $rec) (local.get $recEnd)))
        (local.set $i (local.get $p))
        (local.set $c (i32.load8_u (local.get $i)))
        (local.set $pid (i32.const 0))
        (local.set $code (i32.const 0))
        ;; The leader, as parseLeader (parsers/strace.ts) and the JS path read it: a pid (`1234  `, or
        ;; `[pid 1234] `), then timestamps (digits, `:` and `.`, each followed by spaces), or neither.
        ;; A simple pid alone is coded in the record; any other leader's bytes are copied to $text for
        ;; JS to hand on as text (see LEADER_TEXT*). A text never starts with a digit, a space or `[`.
        (local.set $simple (i32.const 1))
        (local.set $hasPid (i32.const 0))
        (local.set $bracket (i32.const 0))
        (local.set $pad (i32.const 0))
        (local.set $pad2 (i32.const 0))
        (if (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
          (then
            ;; Digits: a pid when a space follows and then a digit, `(` or anything while the number is
            ;; at most 4194304 (a lone huge number straight before the text is a timestamp).
            (local.set $mark (local.get $i))
            (loop $digits
              (local.set $pid (i32.add (i32.mul (local.get $pid) (i32.const 10)) (i32.sub (local.get $c) (i32.const 48))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (local.set $c (i32.load8_u (local.get $i)))
              (br_if $digits (i32.and
                (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
                (i32.le_u (i32.sub (local.get $i) (local.get $mark)) (i32.const 9)))))
            ;; More than 10 digits: JS takes the line.
            (br_if $out (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
            (if (i32.eq (local.get $c) (i32.const 32))
              (then
                ;; More than 9 digits: the number may not fit; JS takes the line.
                (br_if $out (i32.gt_u (i32.sub (local.get $i) (local.get $mark)) (i32.const 9)))
                (local.set $k (local.get $i))
                (loop $spaces
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br_if $spaces (i32.eq (i32.load8_u (local.get $k)) (i32.const 32))))
                (local.set $c (i32.load8_u (local.get $k)))
                (if (i32.or (i32.le_u (local.get $pid) (i32.const 4194304))
                      (i32.or (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)) (i32.eq (local.get $c) (i32.const 40))))
                  (then
                    (local.set $hasPid (i32.const 1))
                    (if (i32.or (i32.gt_u (i32.sub (local.get $i) (local.get $mark)) (i32.const 7)) (i32.eq (i32.load8_u (local.get $mark)) (i32.const 48)))
                      (then (local.set $simple (i32.const 0))))
                    (local.set $pad (i32.sub (local.get $k) (local.get $i)))
                    (local.set $i (local.get $k)))
                  (else
                    (local.set $pid (i32.const 0))
                    (local.set $i (local.get $mark)))))
              (else
                (br_if $out (i32.eq (local.get $c) (i32.const 60)))
                (local.set $pid (i32.const 0))
                (local.set $i (local.get $mark)))))
          (else
            (if (i32.eq (local.get $c) (i32.const 91))
              (then
                ;; `[pid `, spaces, the pid (at most 9 digits here), `] `, spaces.
                (br_if $out (i32.ne (i32.load (i32.add (local.get $i) (i32.const 1))) (i32.const 0x20646970)))
                (local.set $bracket (i32.const 1))
                (local.set $hasPid (i32.const 1))
                (local.set $i (i32.add (local.get $i) (i32.const 5)))
                (local.set $mark (local.get $i))
                (loop $before
                  (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 32))
                    (then
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br $before))))
                (local.set $pad (i32.sub (local.get $i) (local.get $mark)))
                (local.set $c (i32.load8_u (local.get $i)))
                (br_if $out (i32.ge_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10)))
                (if (i32.eq (local.get $c) (i32.const 48)) (then (local.set $simple (i32.const 0))))
                (local.set $mark (local.get $i))
                (loop $bracketDigits
                  (local.set $pid (i32.add (i32.mul (local.get $pid) (i32.const 10)) (i32.sub (local.get $c) (i32.const 48))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (local.set $c (i32.load8_u (local.get $i)))
                  (br_if $bracketDigits (i32.and
                    (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
                    (i32.le_u (i32.sub (local.get $i) (local.get $mark)) (i32.const 9)))))
                (br_if $out (i32.gt_u (i32.sub (local.get $i) (local.get $mark)) (i32.const 9)))
                (br_if $out (i32.ne (local.get $c) (i32.const 93)))
                (br_if $out (i32.ne (i32.load8_u (i32.add (local.get $i) (i32.const 1))) (i32.const 32)))
                (local.set $i (i32.add (local.get $i) (i32.const 2)))
                (local.set $mark (local.get $i))
                (loop $after
                  (if (i32.eq (i32.load8_u (local.get $i)) (i32.const 32))
                    (then
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br $after))))
                (local.set $pad2 (i32.sub (local.get $i) (local.get $mark)))))))
        ;; Timestamps.
        (block $stamped
          (loop $stamps
            (br_if $stamped (i32.ge_u (i32.sub (i32.load8_u (local.get $i)) (i32.const 48)) (i32.const 10)))
            (loop $stamp
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (local.set $c (i32.load8_u (local.get $i)))
              (br_if $stamp (i32.or (i32.lt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 10))
                (i32.or (i32.eq (local.get $c) (i32.const 58)) (i32.eq (local.get $c) (i32.const 46))))))
            (br_if $out (i32.ne (local.get $c) (i32.const 32)))
            (loop $spaces
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $spaces (i32.eq (i32.load8_u (local.get $i)) (i32.const 32))))
            (local.set $simple (i32.const 0))
            (br $stamps)))
        (local.set $code (i32.const -1))
        (if (i32.and (i32.eqz (local.get $hasPid)) (i32.eq (local.get $i) (local.get $p)))
          (then (local.set $code (i32.const 0))))
        (if (i32.and (local.get $simple) (local.get $hasPid))
          (then
            (if (i32.and (i32.eqz (local.get $bracket)) (i32.and (i32.ne (local.get $pad) (i32.const 0)) (i32.lt_u (local.get $pad) (i32.const 4096))))
              (then (local.set $code (i32.or (i32.const 1) (i32.shl (local.get $pad) (i32.const 4))))))
            (if (i32.and (local.get $bracket) (i32.and (i32.lt_u (local.get $pad) (i32.const 2048)) (i32.lt_u (local.get $pad2) (i32.const 2048))))
              (then (local.set $code (i32.or (i32.or (i32.const 2) (i32.shl (local.get $pad) (i32.const 4))) (i32.shl (local.get $pad2) (i32.const 16))))))))
        ;; Any other leader goes as text, if there is room for it.
        (if (i32.lt_s (local.get $code) (i32.const 0))
          (then
            (br_if $out (i32.gt_u (i32.add (local.get $text) (i32.sub (local.get $i) (local.get $p))) (local.get $textEnd)))
            (local.set $code (select (i32.const 3) (i32.const 4) (local.get $hasPid)))))
        ;; The task's previous text (-1: none known).
        (local.set $slot (i32.shl (i32.and (local.get $pid) (i32.const 4095)) (i32.const 2)))
        (local.set $prev (i32.const -1))
        (if (i32.eq (i32.load (i32.add (local.get $tasks) (local.get $slot))) (local.get $pid))
          (then (local.set $prev (i32.load offset=16384 (i32.add (local.get $tasks) (local.get $slot))))))
        (block $found
          ;; What followed the previous text last time, then the time before.
          (block $guessed
            (br_if $guessed (i32.lt_s (local.get $prev) (i32.const 0)))
            (local.set $id (i32.load (i32.add (local.get $succ) (i32.shl (local.get $prev) (i32.const 2)))))
            (br_if $guessed (i32.lt_s (local.get $id) (i32.const 0)))
            (local.set $length (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $id) (i32.const 2)))))
            (local.set $end (i32.add (local.get $i) (local.get $length)))
            (block $miss
              (br_if $miss (i32.gt_u (local.get $end) (local.get $stop)))
              (br_if $miss (i32.ne (i32.load8_u (local.get $end)) (i32.const 10)))
              (br_if $found (call $eq (local.get $i) (i32.add (local.get $arena) (i32.load (i32.add (local.get $starts) (i32.shl (local.get $id) (i32.const 2))))) (local.get $length))))
            (local.set $other (i32.load (i32.add (local.get $alt) (i32.shl (local.get $prev) (i32.const 2)))))
            (br_if $guessed (i32.lt_s (local.get $other) (i32.const 0)))
            (local.set $length (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $other) (i32.const 2)))))
            (local.set $end (i32.add (local.get $i) (local.get $length)))
            (br_if $guessed (i32.gt_u (local.get $end) (local.get $stop)))
            (br_if $guessed (i32.ne (i32.load8_u (local.get $end)) (i32.const 10)))
            (br_if $guessed (i32.eqz (call $eq (local.get $i) (i32.add (local.get $arena) (i32.load (i32.add (local.get $starts) (i32.shl (local.get $other) (i32.const 2))))) (local.get $length))))
            (local.set $id (local.get $other))
            (br $found))
          ;; Else by its hash, as idOf looks first: the line's end, no colour code in it, a text that
          ;; starts as a call's name or a resumed half's `<... `, not too long to be kept.
          (local.set $end (local.get $i))
          (loop $scanEnd
            (local.set $c (i32.load8_u (local.get $end)))
            (br_if $out (i32.eq (local.get $c) (i32.const 27)))
            (if (i32.ne (local.get $c) (i32.const 10))
              (then
                (local.set $end (i32.add (local.get $end) (i32.const 1)))
                (br $scanEnd))))
          (local.set $length (i32.sub (local.get $end) (local.get $i)))
          (br_if $out (i32.eqz (local.get $length)))
          (br_if $out (i32.gt_u (local.get $length) (i32.const 32768)))
          (local.set $c (i32.load8_u (local.get $i)))
          (if (i32.eqz (i32.or (i32.lt_u (i32.sub (local.get $c) (i32.const 97)) (i32.const 26)) (i32.eq (local.get $c) (i32.const 95))))
            (then
              (br_if $out (i32.ne (local.get $c) (i32.const 60)))
              (br_if $out (i32.ne (i32.load (i32.add (local.get $i) (i32.const 1))) (i32.const 0x202e2e2e)))))
          (local.set $hash (i32.mul (local.get $length) (i32.const -1640531535)))
          (local.set $step (i32.const 1))
          (if (i32.gt_u (local.get $length) (i32.const 32)) (then (local.set $step (i32.shr_u (local.get $length) (i32.const 4)))))
          (local.set $k (local.get $i))
          (loop $sample
            (if (i32.lt_u (local.get $k) (local.get $end))
              (then
                (local.set $hash (i32.mul (i32.xor (local.get $hash) (i32.load8_u (local.get $k))) (i32.const 16777619)))
                (local.set $k (i32.add (local.get $k) (local.get $step)))
                (br $sample))))
          (local.set $k (i32.sub (local.get $end) (i32.const 4)))
          (if (i32.lt_u (local.get $length) (i32.const 4)) (then (local.set $k (local.get $i))))
          (loop $tail
            (if (i32.lt_u (local.get $k) (local.get $end))
              (then
                (local.set $hash (i32.mul (i32.xor (local.get $hash) (i32.load8_u (local.get $k))) (i32.const 16777619)))
                (local.set $k (i32.add (local.get $k) (i32.const 1)))
                (br $tail))))
          (local.set $at (i32.and (local.get $hash) (local.get $mask)))
          (loop $probe
            (local.set $id (i32.sub (i32.load (i32.add (local.get $slots) (i32.shl (local.get $at) (i32.const 2)))) (i32.const 1)))
            (br_if $out (i32.lt_s (local.get $id) (i32.const 0)))
            (if (i32.eq (i32.load (i32.add (local.get $hashes) (i32.shl (local.get $at) (i32.const 2)))) (local.get $hash))
              (then
                (if (i32.eq (i32.load (i32.add (local.get $lengths) (i32.shl (local.get $id) (i32.const 2)))) (local.get $length))
                  (then
                    (br_if $found (call $eq (local.get $i) (i32.add (local.get $arena) (i32.load (i32.add (local.get $starts) (i32.shl (local.get $id) (i32.const 2))))) (local.get $length)))))))
            (local.set $at (i32.and (i32.add (local.get $at) (i32.const 1)) (local.get $mask)))
            (br $probe)))
        ;; Unless it is what followed the previous text last time, it is that from now on, and what was
        ;; becomes the time before.
        (if (i32.ge_s (local.get $prev) (i32.const 0))
          (then
            (if (i32.ne (i32.load (i32.add (local.get $succ) (i32.shl (local.get $prev) (i32.const 2)))) (local.get $id))
              (then
                (i32.store (i32.add (local.get $alt) (i32.shl (local.get $prev) (i32.const 2)))
                  (i32.load (i32.add (local.get $succ) (i32.shl (local.get $prev) (i32.const 2)))))
                (i32.store (i32.add (local.get $succ) (i32.shl (local.get $prev) (i32.const 2))) (local.get $id))))))
        (i32.store (i32.add (local.get $tasks) (local.get $slot)) (local.get $pid))
        (i32.store offset=16384 (i32.add (local.get $tasks) (local.get $slot)) (local.get $id))
        (if (i32.ge_u (i32.and (local.get $code) (i32.const 15)) (i32.const 3))
          (then
            (memory.copy (local.get $text) (local.get $p) (i32.sub (local.get $i) (local.get $p)))
            (local.set $text (i32.add (local.get $text) (i32.sub (local.get $i) (local.get $p))))
            (local.set $others (i32.add (local.get $others) (i32.sub (local.get $i) (local.get $p))))))
        (i32.store (local.get $rec) (local.get $code))
        (i32.store offset=4 (local.get $rec) (local.get $pid))
        (i32.store offset=8 (local.get $rec) (local.get $id))
        (i32.store offset=12 (local.get $rec) (local.get $others))
        (local.set $rec (i32.add (local.get $rec) (i32.const 16)))
        (local.set $p (i32.add (local.get $end) (i32.const 1)))
        (br $line)))
    (i32.store (i32.const 0) (local.get $rec))
    (i32.store (i32.const 4) (local.get $text))
    (local.get $p))
)
