/**
 * The fold: what a service touched (accesses) → the smallest set of systemd settings that lets it run
 * under `TemporaryFileSystem=/:ro` (an empty, read-only root). Pure: the host's filesystem is only
 * consulted through FsView.
 *
 * systemd facts this relies on (systemd.exec(5), src/core/namespace.c of systemd 252):
 * - A bind source is resolved by systemd, a bind destination is created on the tmpfs as plain
 *   directories: binding `/lib/x86_64-linux-gnu` works although `/lib` is a symlink on the host, and
 *   binding a symlink shows its target at the symlink's place. Symlinks *inside* a bound directory stay
 *   symlinks, so their targets must be bound too.
 * - Nested binds are applied parent first: a read-only parent with a writable child is fine.
 * - RuntimeDirectory=/StateDirectory=/CacheDirectory=/LogsDirectory= bind their directory writable into
 *   the namespace; PrivateTmp= gives fresh /tmp and /var/tmp; PrivateDevices= mounts a minimal /dev
 *   (null zero full random urandom tty, ptmx + pts, shm, mqueue, hugepages, and symlinks log → the
 *   journal's dev-log socket, fd/stdin/stdout/stderr → /proc/self/fd).
 * - Under TemporaryFileSystem=/ nothing mounts /proc or /sys except MountAPIVFS=yes, which mounts
 *   /proc, /sys and (unless PrivateDevices= wins) the host's /dev; ProtectProc=/ProcSubset= only shape
 *   that /proc.
 * - ProtectSystem= other than `no` re-mounts the host's root over the tmpfs (systemd issue #18999).
 */
import { chooseGroupsInSteps } from './fold-groups.js';
import { eachInSteps, runSteps, sortInSteps, STEP_ITEMS, type Steps } from '../core/steps.js';
import { BASELINE } from './baseline.js';
import { bytesToDisplay } from '../../parsers/strings.js';
import {
  followLinkLexically,
  isStrictlyUnder,
  isUnder,
  MAX_SYMLINKS,
  normalizePath,
  parentOf,
  resolveSymlinks,
  splitPath,
  type FsView,
} from '../core/fsview.js';
import { type Access, type ByteString, type Directive, type HostLink, type Profile, type ProfileEntry, type ProfileNote } from '../core/model.js';
import { ensuredDirectory, ownerFacts, ownReason, ownUnwrittenDirectory } from './ownership.js';
import { fileGrantedAlone, Grants } from './consent.js';
import { sharedLogRotation } from './shared-log.js';
import { CANNOT_JUDGE, secretReason, secretsInsideDirectory, type SecretsInside } from './secrets.js';
import { containsSensitivePlace, wayOutReason } from './sensitive.js';
import { coveredByPrivateDevices, PRIVATE_DEV_LINKS, PRIVATE_DEV_TREES, procRestriction } from './private-devices.js';
import { canonicalRunPath, privateRunEntries, privateRunLinks, privateRunName, SHARED_RUN } from './shared-run.js';
import {
  candidateReason, SERVICE_DIRECTORIES, SIMPLE_PATH, SAFE_NAME, WRITE_OPS, hasAny, matchingGlob,
  describeContributions, directiveOrder, depthOf, treeRoot, onlyEnsured
} from './fold-terms.js';
import type { FoldOptions, Contribution, Demand, Candidate } from './fold-terms.js';

export { describeContributions, providedByUnitSettings, type FoldOptions } from './fold-terms.js';

class Folder {
  private readonly entries: ProfileEntry[] = [];
  private readonly entryKeys = new Set<string>();
  private readonly needsConsent = new Map<ByteString, ProfileNote>();
  private readonly omitted = new Map<ByteString, ProfileNote>();
  private readonly candidates = new Map<ByteString, Candidate>();
  /** Directories bound whole because the service is known to own them or read a lot inside. */
  private groupDirs: ByteString[] = [];
  /** Paths another setting provides, with the setting's name, checked before binding. */
  private readonly coveredBy: { path: ByteString; by: string }[] = [];
  /** Files created directly in /run: they get a private /run (src/profile/shared-run.ts). */
  private readonly runFiles: Demand[] = [];
  private hostLinks: HostLink[] = [];
  /** What --include grants, followed through links to exactly their targets (./consent.ts). */
  private readonly grants: Grants;

  constructor(
    private readonly options: FoldOptions,
    private readonly fs: FsView,
  ) {
    this.grants = new Grants(options.include);
  }

  omit(path: ByteString, reason: string): void {
    if (!this.omitted.has(path)) this.omitted.set(path, { path, reason });
  }

  private consent(path: ByteString, reason: string, writable: boolean, systemWrite = false, renamedByRotation = false): void {
    if (this.needsConsent.has(path)) return;
    this.needsConsent.set(path, {
      path,
      reason,
      directive: writable ? 'BindPaths' : 'BindReadOnlyPaths',
      ...(systemWrite ? { systemWrite } : {}),
      ...(renamedByRotation ? { renamedByRotation } : {}),
    });
  }

  private addEntry(directive: Directive, value: ByteString, reason: string, optional = false): void {
    // A set, not a search of the entries: a trace of many distinct paths makes as many entries.
    const key = directive + '\0' + value;
    if (this.entryKeys.has(key)) return;
    this.entryKeys.add(key);
    this.entries.push({ directive, value, reason, ...(optional ? { optional } : {}) });
  }

  private exists(path: ByteString): boolean {
    return resolveSymlinks(this.fs, path).kind !== undefined;
  }

  /** The fold in steps (src/core/steps.ts): it yields every few thousand paths. */
  *fold(accesses: Access[]): Steps<Profile> {
    this.addEntry('TemporaryFileSystem', '/:ro', 'the service starts from an empty, read-only root; everything it needs is bound below');
    this.addEntry('ProtectSystem', 'no', 'any other value mounts the host root over the empty one (systemd issue #18999)');
    for (const provided of this.options.provided ?? []) this.coveredBy.push(provided);

    // Copied only where the path changes: the fold never modifies an access.
    const normal: Access[] = [];
    yield* eachInSteps(accesses, (a) => {
      const path = normalizePath(a.path);
      normal.push(path === a.path ? a : { ...a, path });
    });
    const sorted = yield* sortInSteps(normal, accessesByTraceOrder);
    // Each of these lists holds a slot per path while the generator lives: emptied once consumed, so
    // that a million paths do not keep five of them to the end of the fold.
    normal.length = 0;

    const kept: Access[] = [];
    yield* eachInSteps(sorted, (access) => {
      const excludedBy = matchingGlob(access.path, this.options.exclude);
      if (excludedBy !== undefined) this.omit(access.path, `excluded by --exclude ${excludedBy}`);
      else if (this.isNoise(access)) this.omit(access.path, `failed with ${[...access.errors].sort().join('/') || 'an error'} and does not exist on this host either`);
      else kept.push(access);
    });
    sorted.length = 0;

    this.grants.followLinks(kept, this.fs);
    const tmp = kept.filter((a) => isUnder(a.path, '/tmp') || isUnder(a.path, '/var/tmp'));
    if (tmp.length > 0) {
      this.addEntry('PrivateTmp', 'yes', `private, empty /tmp and /var/tmp: ${describeContributions(tmp.map((access) => ({ access, path: access.path })))}`);
      this.coveredBy.push({ path: '/tmp', by: 'PrivateTmp=yes' }, { path: '/var/tmp', by: 'PrivateTmp=yes' });
    }

    this.serviceDirectories(kept);

    const demands: Demand[] = [];
    const devices: Access[] = [];
    const apiVfs: Contribution[] = [];
    yield* eachInSteps(kept, (access) => {
      if (this.coveringSetting(access.path) !== undefined) return;
      if (isUnder(access.path, '/dev')) devices.push(access);
      else if (isUnder(access.path, '/proc') || isUnder(access.path, '/sys')) apiVfs.push({ access, path: access.path });
      else demands.push(this.demandFor(access));
    });

    const privateDevices = this.devices(devices, demands, apiVfs);
    this.apiFilesystems(apiVfs, privateDevices, devices);

    yield* eachInSteps(kept, (access) => {
      const by = this.coveringSetting(access.path);
      if (by !== undefined) this.omit(access.path, `covered by ${by}`);
    });
    kept.length = 0;

    const needed = yield* this.withoutTraversedDirectories(demands);
    demands.length = 0;
    this.groupDirs = yield* chooseGroupsInSteps(needed, this.fs, this.options);
    yield* this.bindAll(needed);
    if (this.options.baseline) this.addBaseline(privateDevices);
    yield* this.emitBinds();
    this.emitPrivateRun();

    const byPath = (a: ProfileNote, b: ProfileNote) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
    const entries = yield* sortInSteps(this.entries, directiveOrder);
    const needsConsent = yield* sortInSteps([...this.needsConsent.values()], byPath);
    const omitted = yield* sortInSteps([...this.omitted.values()], byPath);
    return {
      entries,
      ...(this.hostLinks.length > 0 ? { hostLinks: this.hostLinks } : {}),
      needsConsent,
      omitted,
      ...(this.grants.list().length > 0 ? { granted: this.grants.list() } : {}),
    };
  }

  /** A failed lookup of something this host does not have either: search-path probing, optional files. */
  private isNoise(access: Access): boolean {
    if (access.ok || this.fs.lstat(access.path) !== undefined) return false;
    // Hidden from the judging user is not missing: the secret rules decide (src/profile/secrets.ts).
    if (this.fs.denied?.(access.path) === true) return false;
    // A failed create in an existing directory is the service wanting to make a file there.
    if (hasAny(access, WRITE_OPS) && this.exists(parentOf(access.path))) return false;
    return true;
  }

  private coveringSetting(path: ByteString): string | undefined {
    return this.coveredBy.find((c) => isUnder(path, c.path))?.by;
  }

  /**
   * Writes below /run/X, /var/lib/X, /var/cache/X, /var/log/X become X's *Directory=: systemd creates the
   * directory, hands it to the unit's User= and binds it writable. Reads there stay binds unless the
   * service also writes in the same directory.
   */
  private serviceDirectories(accesses: Access[]): void {
    for (const { base, directive, skip } of SERVICE_DIRECTORIES) {
      const byName = new Map<string, Access[]>();
      for (const access of accesses) {
        if (!isStrictlyUnder(access.path, base)) continue;
        const name = splitPath(access.path.slice(base.length))[0];
        const list = byName.get(name) ?? [];
        list.push(access);
        byName.set(name, list);
      }
      for (const [name, list] of [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (skip.includes(name) || !SAFE_NAME.test(name)) continue;
        const dir = base + '/' + name;
        const writes = list.filter((a) => hasAny(a, WRITE_OPS));
        if (writes.length === 0) continue;
        // A file directly in the shared directory (e.g. /run/nginx.pid) is not a directory of its own.
        const isDirectory = this.fs.lstat(dir) === 'dir' || list.some((a) => isStrictlyUnder(a.path, dir));
        if (!isDirectory) continue;
        // Not the service's own (/var/lib/dpkg): left to the fold's refusal of system-wide writes.
        if (ownReason({ path: dir, existingFile: false, ...ownerFacts(this.fs, dir) }, this.options.identity) === undefined) continue;
        const why = describeContributions(writes.map((access) => ({ access, path: access.path })));
        if (this.options.directoriesAsBinds) {
          this.addEntry('BindPaths', dir, `${why}; the service's own directory, bound writable as it is (ownership untouched)`, !this.exists(dir));
          this.coveredBy.push({ path: dir, by: `BindPaths=${bytesToDisplay(dir)}` });
          continue;
        }
        this.addEntry(directive, name, `${why}; systemd creates ${bytesToDisplay(dir)} owned by the unit's User= and binds it writable`);
        this.coveredBy.push({ path: dir, by: `${directive}=${name}` });
      }
    }
  }

  /**
   * The path a bind must make visible for one access. A new file cannot be created on the read-only
   * tmpfs, and a bind of a single file needs that file to exist before the start (and cannot be removed
   * while mounted), so creating or removing files means binding the directory they live in writable.
   * That is broad for shared directories such as /run (a pid file directly in /run exposes all of /run);
   * the reason says so and suggests the narrower way (moving the file into a *Directory=).
   */
  private demandFor(access: Access): Demand {
    // A trace of a start under a sandbox: mkdir of a directory the empty root lacks fails with EROFS
    // where the host would have said EEXIST. It is the same walk of `mkdir -p` (/var, /var/log).
    if (access.ops.has('create') && !access.ok && access.errors.has('EROFS') && !hasAny(access, ['write', 'delete']) && this.fs.lstat(access.path) === 'dir') {
      access = { ...access, ops: new Set(['stat']), errors: new Set(['EEXIST']) };
    }
    const existsNow = this.fs.lstat(access.path) !== undefined;
    const writes = hasAny(access, WRITE_OPS);
    const createsOrRemoves = access.ops.has('create') || access.ops.has('delete');
    // mkdir of a directory that is already there (EEXIST) needs only that directory.
    const alreadyThere = existsNow && access.errors.has('EEXIST') && !access.ops.has('delete');
    const log = writes && this.options.logRules !== undefined ? sharedLogRotation(access.path, this.options.logRules, this.options.serviceNames ?? []) : undefined;
    if (log !== undefined) return { access, path: access.path, writable: true, sharedLog: log };
    if (writes && (createsOrRemoves || !existsNow) && !alreadyThere) {
      return { access, path: parentOf(access.path), writable: true, createdInside: access.path };
    }
    const own = writes ? undefined : ownUnwrittenDirectory(access, this.fs, this.options.identity);
    return { access, path: access.path, writable: writes || own !== undefined, ...(own !== undefined ? { ownUnwritten: own } : {}) };
  }

  /**
   * PrivateDevices=yes when it provides every device the service used; otherwise each device is bound
   * (PrivateDevices= would hide the others, and its device policy would block them anyway).
   */
  private devices(devices: Access[], demands: Demand[], apiVfs: Contribution[]): boolean {
    const uncovered = devices.filter((a) => !coveredByPrivateDevices(a.path));
    if (devices.length > 0 && uncovered.length === 0) {
      this.addEntry('PrivateDevices', 'yes', `minimal /dev: ${describeContributions(devices.map((access) => ({ access, path: access.path })))}`);
      this.coveredBy.push({ path: '/dev', by: 'PrivateDevices=yes' });
      for (const access of devices) {
        const link = Object.keys(PRIVATE_DEV_LINKS).find((l) => isUnder(access.path, l));
        if (link === undefined) continue;
        const target = PRIVATE_DEV_LINKS[link] + access.path.slice(link.length);
        if (isUnder(target, '/proc')) apiVfs.push({ access, path: target, viaSymlink: link });
        else demands.push({ access, path: target, writable: false, viaSymlink: link });
      }
      return true;
    }
    for (const access of devices) {
      const tree = PRIVATE_DEV_TREES.find((t) => isStrictlyUnder(access.path, t));
      const demand = this.demandFor(access);
      if (tree !== undefined) demands.push({ ...demand, path: tree, createdInside: undefined });
      else if (demand.path === '/dev') demands.push({ ...demand, path: access.path, writable: true, createdInside: undefined });
      else demands.push(demand);
    }
    if (uncovered.length > 0) {
      const names = [...new Set(uncovered.map((a) => bytesToDisplay(a.path)))].sort().join(', ');
      this.omit('/dev', `PrivateDevices= cannot be used: it does not provide ${names}; devices are bound one by one`);
    }
    return false;
  }

  private apiFilesystems(apiVfs: Contribution[], privateDevices: boolean, devices: Access[]): void {
    if (apiVfs.length === 0) return;
    this.addEntry('MountAPIVFS', 'yes', `/proc and /sys: ${describeContributions(apiVfs)}`);
    this.coveredBy.push({ path: '/proc', by: 'MountAPIVFS=yes' }, { path: '/sys', by: 'MountAPIVFS=yes' });
    if (!privateDevices) {
      if (devices.length === 0) {
        this.addEntry('PrivateDevices', 'yes', 'MountAPIVFS= would otherwise also mount the host\'s whole /dev');
        this.coveredBy.push({ path: '/dev', by: 'PrivateDevices=yes' });
      } else {
        this.coveredBy.push({ path: '/dev', by: "MountAPIVFS=yes (the host's /dev, as PrivateDevices= cannot be used)" });
      }
    }
    const proc = procRestriction(apiVfs.filter((c) => isUnder(c.path, '/proc')).map((c) => ({ path: c.path, pid: c.access.firstPid })));
    if (proc.invisible) this.addEntry('ProtectProc', 'invisible', "only the service's own /proc/PID entries were used");
    if (proc.pidOnly) this.addEntry('ProcSubset', 'pid', 'no system-wide /proc file (meminfo, sys/…) was used');
  }

  /**
   * Path lookups stat or O_PATH-open every directory on the way (`/`, `/etc`, `/usr`…). Such a directory
   * exists in the sandbox anyway as soon as anything below it is bound: systemd creates bind
   * destinations on the tmpfs. Binding it would expose all of it, so a directory that was only looked up
   * is dropped when something below it is needed.
   */
  private *withoutTraversedDirectories(demands: Demand[]): Steps<Demand[]> {
    const below = new Set<ByteString>();
    const markAncestors = (path: ByteString) => {
      for (let up = parentOf(path); !below.has(up); up = parentOf(up)) {
        below.add(up);
        if (up === '/') break;
      }
    };
    const demandedAt = new Map<ByteString, number>();
    yield* eachInSteps(demands, (d) => {
      // A file created directly in /run goes to the private /run: /run itself is only its parent.
      if (d.createdInside !== undefined && canonicalRunPath(d.path) === SHARED_RUN) {
        markAncestors(d.createdInside);
        return;
      }
      markAncestors(d.path);
      demandedAt.set(d.path, (demandedAt.get(d.path) ?? 0) + 1);
    });
    for (const c of this.coveredBy) markAncestors(c.path);
    if (this.options.baseline) for (const item of BASELINE) markAncestors(item.path);
    const kept: Demand[] = [];
    yield* eachInSteps(demands, (d) => {
      if (this.neededAfterLookups(d, below, demandedAt)) kept.push(d);
    });
    return kept;
  }

  /** withoutTraversedDirectories' verdict on one demand: false when it is dropped. */
  private neededAfterLookups(d: Demand, below: Set<ByteString>, demandedAt: Map<ByteString, number>): boolean {
    // Another demand on the same directory (a file created in it) decides how it is bound.
    const alsoNeededOtherwise = (demandedAt.get(d.path) ?? 0) > 1;
    if (d.writable || alsoNeededOtherwise || resolveSymlinks(this.fs, d.path).kind !== 'dir') return true;
    // A listing is not a read: it grants the names used below it (or an empty stand-in), never the subtree.
    const onlyLookedUp = [...d.access.ops].every((op) => op === 'stat' || op === 'list');
    if (onlyLookedUp && onlyEnsured(d.access)) {
      const ensured = ensuredDirectory(d.path, below.has(d.path), this.fs.owner?.(d.path)?.uid, this.options.identity);
      if (ensured === 'own') {
        d.writable = true;
        return true;
      }
      if (ensured === 'as-is') return true;
    }
    if (!onlyLookedUp) return true;
    if (below.has(d.path)) {
      this.omit(d.path, 'only looked up or listed on the way to paths below it, which are bound: the directory exists in the sandbox without binding it whole');
      return false;
    }
    // Only its existence was checked (a PATH search, a probe): an empty read-only directory answers
    // that without exposing what the host keeps there. Names systemd would need quoting for are bound.
    if (!SIMPLE_PATH.test(d.path)) return true;
    if (d.access.ops.has('list')) {
      d.listedOnly = true;
      return true;
    }
    this.addEntry('TemporaryFileSystem', `${d.path}:ro`, `only looked up, never read: ${describeContributions([d])}; an empty directory stands in for it`);
    return false;
  }

  private bindRoot(demand: Demand): ByteString {
    if (demand.writable) return demand.path;
    const tree = treeRoot(demand.path);
    if (tree !== undefined) return tree;
    const group = this.groupDirs.find((g) => isUnder(demand.path, g));
    return group ?? demand.path;
  }

  /**
   * Binds every demand at its root, then follows symlinks met below the root: inside a bound directory
   * they are real symlinks in the service's view, so what they point to must be bound as well. Takes
   * `queue` over: the demands a link leads to are appended to it.
   */
  private *bindAll(queue: Demand[]): Steps<void> {
    // Walked by index: shift() on a large array moves every element, which made this quadratic.
    // Keyed by the path itself, one set per mode: no new string per demand.
    const seenReadable = new Set<ByteString>();
    const seenWritable = new Set<ByteString>();
    for (let next = 0; next < queue.length; next++) {
      if (next % STEP_ITEMS === STEP_ITEMS - 1) yield;
      const demand = queue[next];
      const seen = demand.writable ? seenWritable : seenReadable;
      if (seen.has(demand.path)) {
        this.addContribution(demand);
        continue;
      }
      seen.add(demand.path);
      const root = this.addContribution(demand);
      if (root === undefined) continue;
      // No symlink to follow on the way: every directory above is plain and the path is no link itself.
      if (this.fs.plainDirectory?.(parentOf(demand.path)) === true && this.fs.lstat(demand.path) !== 'symlink') continue;
      const parts = splitPath(demand.path);
      for (let depth = depthOf(root) + 1; depth <= parts.length; depth++) {
        const prefix = '/' + parts.slice(0, depth).join('/');
        const kind = this.fs.lstat(prefix);
        if (kind === undefined) break;
        if (kind !== 'symlink') continue;
        const target = this.fs.readlink(prefix);
        const hops = (demand.hops ?? 0) + 1;
        // A chain longer than the kernel follows resolves nowhere (and ends cycles).
        if (target === undefined || hops > MAX_SYMLINKS) break;
        const next = followLinkLexically(prefix, target, parts.slice(depth));
        const createdInside = demand.createdInside === undefined ? {} : { createdInside: `${next}/${demand.createdInside.slice(demand.createdInside.lastIndexOf('/') + 1)}` };
        queue.push({ access: demand.access, path: next, writable: demand.writable, viaSymlink: prefix, hops, ...createdInside });
        break;
      }
    }
  }

  /** Records one demand on its bind root; returns the root, or undefined when it was not bound. */
  private addContribution(demand: Demand): ByteString | undefined {
    demand = fileGrantedAlone(demand, this.options.include, this.fs);
    const by = this.coveringSetting(demand.path);
    if (by !== undefined) {
      this.omit(demand.path, `covered by ${by}`);
      return undefined;
    }
    const excludedBy = matchingGlob(demand.path, this.options.exclude);
    if (excludedBy !== undefined) {
      this.omit(demand.path, `excluded by --exclude ${excludedBy}`);
      return undefined;
    }
    const root = this.bindRoot(demand);
    if (demand.listedOnly && root === demand.path) {
      this.addEntry('TemporaryFileSystem', `${demand.path}:ro`, `only listed, nothing in it used: ${describeContributions([demand])}; an empty directory stands in for it`);
      return undefined;
    }
    if (root === '/') {
      this.omit(demand.createdInside ?? demand.path, 'would need the whole root writable, which defeats the lockdown');
      return undefined;
    }
    // A log the service only appends to is no secret kept from it, whatever its mode (root:adm 0640).
    const appendedLog = demand.sharedLog !== undefined && !hasAny(demand.access, ['read', 'exec']);
    const secret = appendedLog ? undefined : secretReason(demand.path, this.fs, this.options.identity);
    const sensitive =
      secret ?? wayOutReason(resolveSymlinks(this.fs, demand.path).finalPath) ?? (containsSensitivePlace(root) && demand.writable ? `making ${bytesToDisplay(root)} writable exposes secrets kept there` : undefined);
    // A secret needs consent to itself, to its place of secrets, or to a link leading exactly to it.
    const reachedByLink = demand.viaSymlink !== undefined && resolveSymlinks(this.fs, demand.access.path).finalPath === demand.path;
    const consentGlob = secret !== undefined ? this.grants.toSecret(demand.path, reachedByLink ? demand.access.path : undefined) : this.grants.globFor(demand.path);
    if (sensitive !== undefined && consentGlob === undefined) {
      const what = describeContributions([demand]);
      this.consent(demand.path === root ? root : demand.path, `${sensitive}: ${what}`, demand.writable);
      return undefined;
    }
    if (demand.writable) {
      const allowed = this.ownWrite(demand, root, consentGlob);
      if (allowed === undefined) return undefined;
      demand = allowed;
    }
    const candidate = this.candidates.get(root) ?? { path: root, writable: false, contributions: [], createdInside: new Set<ByteString>() };
    candidate.writable ||= demand.writable;
    candidate.contributions.push(demand);
    if (demand.createdInside !== undefined) candidate.createdInside.add(demand.createdInside);
    if (sensitive !== undefined) candidate.consent = `${sensitive}, granted by --include ${consentGlob}`;
    this.candidates.set(root, candidate);
    return root;
  }

  /**
   * A write is granted only where the service owns what it writes (src/profile/ownership.ts). Files created
   * directly in /run go to a private /run instead; any other write to a shared or system place is
   * refused (a question that defaults to deny) and what the access also reads stays readable.
   */
  private ownWrite(demand: Demand, root: ByteString, consentGlob: string | undefined): Demand | undefined {
    if (demand.createdInside !== undefined && canonicalRunPath(root) === SHARED_RUN) {
      this.runFiles.push(demand);
      return undefined;
    }
    if (consentGlob !== undefined || demand.sharedLog?.bindable === true) return demand;
    if (demand.sharedLog !== undefined) return void this.consent(demand.path, `${describeContributions([demand])}: ${demand.sharedLog.why}`, true, true, true);
    const kind = resolveSymlinks(this.fs, root).kind;
    const existingFile = demand.createdInside === undefined && kind === 'file';
    if (ownReason({ path: root, existingFile, ...ownerFacts(this.fs, root) }, this.options.identity) !== undefined) return demand;
    const writer = this.options.describeWriter?.(demand.access);
    this.consent(
      root,
      `${describeContributions([demand])}: ${bytesToDisplay(root)} is not the service's own (a shared or system place), so it is not made writable` +
        (writer !== undefined ? `; ${writer}` : ''),
      true,
      true,
    );
    if (demand.createdInside === undefined && kind !== undefined && hasAny(demand.access, ['read', 'exec', 'list'])) return { ...demand, writable: false };
    return undefined;
  }

  /** The private /run for files created directly in /run, with the unit's PIDFile= moved along. */
  private emitPrivateRun(): void {
    if (this.runFiles.length === 0) return;
    const files = [...new Set(this.runFiles.map((d) => canonicalRunPath(d.createdInside!)))].sort();
    const name = this.options.privateRun?.name ?? privateRunName(files[0]);
    // Without a unit (analyze) a `.pid` file created there is taken to be the unit's PIDFile=.
    const pidFile = this.options.privateRun !== undefined ? this.options.privateRun.pidFile : files.find((f) => f.endsWith('.pid'));
    const viaVarRun = this.runFiles.some((d) => d.createdInside!.startsWith('/var/run/'));
    const input = {
      name,
      files,
      createdBy: describeContributions(this.runFiles),
      viaVarRun,
      ...(pidFile ? { pidFile, pidFileGuessed: this.options.privateRun === undefined } : {}),
    };
    const entries = privateRunEntries(input);
    this.hostLinks = privateRunLinks(input);
    const same = (a: ProfileEntry, b: ProfileEntry) => a.directive === b.directive && a.value === b.value && a.destination === b.destination;
    for (const entry of entries) if (!this.entries.some((e) => same(e, entry))) this.entries.push(entry);
  }

  private addBaseline(privateDevices: boolean): void {
    for (const item of BASELINE) {
      let path = item.path;
      // Under PrivateDevices= /dev/log already is a symlink to the journal's socket: bind the socket.
      if (path === '/dev/log' && privateDevices) path = PRIVATE_DEV_LINKS['/dev/log'];
      const excludedBy = matchingGlob(path, this.options.exclude);
      if (excludedBy !== undefined) {
        this.omit(path, `baseline entry excluded by --exclude ${excludedBy}`);
        continue;
      }
      const by = this.coveringSetting(path);
      if (by !== undefined) continue;
      const candidate = this.candidates.get(path) ?? { path, writable: false, contributions: [], createdInside: new Set<ByteString>() };
      candidate.baselineReason ??= item.reason;
      this.candidates.set(path, candidate);
    }
  }

  /** Nested binds collapse into their parent unless the child needs writing and the parent does not. */
  private *emitBinds(): Steps<void> {
    // Depths computed once, not in the comparator: splitting two paths per comparison dominated large folds.
    const byDepth = yield* sortInSteps(
      [...this.candidates.values()].map((candidate) => ({ candidate, depth: depthOf(candidate.path) })),
      (a, b) => a.depth - b.depth || (a.candidate.path < b.candidate.path ? -1 : a.candidate.path > b.candidate.path ? 1 : 0),
    );
    const keptBinds = new Map<ByteString, Candidate>();
    for (let i = 0; i < byDepth.length; i++) {
      if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
      const candidate = byDepth[i].candidate;
      let cover: Candidate | undefined;
      for (let up = parentOf(candidate.path); ; up = parentOf(up)) {
        const ancestor = keptBinds.get(up);
        if (ancestor !== undefined && (ancestor.writable || !candidate.writable)) {
          cover = ancestor;
          break;
        }
        if (up === '/') break;
      }
      if (cover !== undefined) {
        for (const contribution of candidate.contributions) cover.contributions.push(contribution);
        for (const inside of candidate.createdInside) cover.createdInside.add(inside);
        continue;
      }
      keptBinds.set(candidate.path, candidate);
    }
    for (const candidate of keptBinds.values()) {
      // Each may walk a directory for secrets inside.
      yield;
      const optional = !this.exists(candidate.path);
      const found = secretsInsideDirectory(candidate.path, this.fs, this.options.identity);
      if (found?.unlisted === true && this.grants.consentToSecret(candidate.path) === undefined) {
        // Bound whole, it would show whatever the judging user could not see: asked about, not granted.
        this.consent(candidate.path, `${CANNOT_JUDGE}: ${candidateReason(candidate, optional)}`, candidate.writable);
        continue;
      }
      this.addEntry(candidate.writable ? 'BindPaths' : 'BindReadOnlyPaths', candidate.path, candidateReason(candidate, optional), optional);
      if (found !== undefined) this.maskSecretsInside(candidate.path, found);
      this.maskRefusedInside(candidate.path);
    }
  }

  /**
   * What the fold refused to show (a secret, a way out) stays hidden when a directory bound whole holds
   * it: the walk for secrets skips system code (/usr, /lib), so a private key the trace saw there
   * (a package's test key under /usr/share/doc) was listed as refused while the bind of its directory
   * showed it. A refused write is not masked: the service may still read what it may not change.
   */
  private maskRefusedInside(dir: ByteString): void {
    let masked: ByteString[] | undefined;
    for (const note of this.needsConsent.values()) {
      if (note.systemWrite === true || note.path === dir || !isStrictlyUnder(note.path, dir)) continue;
      masked ??= this.entries.filter((e) => e.directive === 'InaccessiblePaths').map((e) => e.value);
      if (masked.some((m) => isUnder(note.path, m))) continue;
      this.addEntry('InaccessiblePaths', note.path, `refused (${note.reason}), inside ${bytesToDisplay(dir)} which is bound whole: masked (--include ${bytesToDisplay(note.path)} to grant it)`, true);
    }
  }

  /**
   * A directory bound whole shows what is inside: secrets there are masked unless --include names the
   * secret itself or a place of secrets holding it (`--include /etc/ssl/private`). Consent to a broad
   * directory (`--include /etc`, to make it writable) is not consent to `/etc/shadow`.
   */
  private maskSecretsInside(dir: ByteString, found: SecretsInside): void {
    for (const secret of found.secrets) {
      if (this.grants.toSecret(secret.path) !== undefined) continue;
      this.addEntry('InaccessiblePaths', secret.path, `${secret.reason}, inside ${bytesToDisplay(dir)} which is bound whole: masked (--include ${bytesToDisplay(secret.path)} to grant it)`, true);
    }
    if (found.truncated) this.omit(dir, `bound whole, but too big to check for secrets inside (more than ${found.secrets.length + 5000} entries)`);
  }
}

/** Folds the accesses of one or more traces into a profile; see the module comment for the rules. */
export function foldProfile(accesses: Access[], options: FoldOptions, fs: FsView): Profile {
  return runSteps(new Folder(options, fs).fold(accesses));
}

/** foldProfile in steps, for a caller that pauses between them (runStepsPausing). */
export function foldProfileInSteps(accesses: Access[], options: FoldOptions, fs: FsView): Steps<Profile> {
  return new Folder(options, fs).fold(accesses);
}

/** byTraceOrder on accesses themselves, without wrapping each in a contribution per comparison. */
function accessesByTraceOrder(a: Access, b: Access): number {
  return a.firstLine - b.firstLine || (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
}
