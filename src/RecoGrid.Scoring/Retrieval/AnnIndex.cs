using System.Buffers;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace RecoGrid.Scoring.Retrieval;

/// <summary>
/// A USearch HNSW index over one model version's item factors, answering maximum-inner-product queries with item
/// indices and approximate scores. Built in parallel, saved to a file, and served from a read-only memory-mapped view.
/// Searches are thread-safe; at most <see cref="SearchThreads"/> run at once (USearch keeps one context per thread).
/// Reference counted like the factor tables: <see cref="Acquire"/> takes a reference, <see cref="Dispose"/> releases one.
/// </summary>
public sealed class AnnIndex : IDisposable
{
    /// <summary>File name of the index inside a scoring artifact directory.</summary>
    public const string FileName = "items.usearch";

    /// <summary>File name of the index's parameters and build facts, beside <see cref="FileName"/>.</summary>
    public const string InfoFileName = "ann.json";

    private const int StackFloats = 1024;

    /// <summary>Rows a build thread takes at a time (and between progress reports).</summary>
    private const int BuildBlock = 1024;

    private readonly SemaphoreSlim _gate;
    private nint _handle;
    private int _references = 1;

    private AnnIndex(nint handle, AnnIndexInfo info, int searchThreads, bool isView)
    {
        _handle = handle;
        Info = info;
        SearchThreads = searchThreads;
        IsView = isView;
        _gate = new SemaphoreSlim(searchThreads, searchThreads);
    }

    public AnnIndexInfo Info { get; }

    public int Count => Info.Items;

    /// <summary>Most searches that run at once; further callers wait.</summary>
    public int SearchThreads { get; }

    /// <summary>Whether the index is a read-only memory-mapped view of a file.</summary>
    public bool IsView { get; }

    /// <summary>The version of the loaded native USearch library.</summary>
    public static string LibraryVersion => Marshal.PtrToStringUTF8(UsearchNative.Version()) ?? "unknown";

    /// <summary>Bytes USearch reports for the index (for a view: its own structures, the mapped file excluded).</summary>
    public long MemoryBytes
    {
        get
        {
            var bytes = UsearchNative.MemoryUsage(Handle, out var error);
            UsearchNative.Check(error, "memory_usage");
            return (long)bytes;
        }
    }

    /// <summary>The SIMD kernels USearch picked on this CPU (e.g. "haswell").</summary>
    public string HardwareAcceleration
    {
        get
        {
            var name = UsearchNative.HardwareAcceleration(Handle, out var error);
            UsearchNative.Check(error, "hardware_acceleration");
            return Marshal.PtrToStringUTF8(name) ?? "unknown";
        }
    }

    private nint Handle
    {
        get
        {
            ObjectDisposedException.ThrowIf(_handle == 0, this);
            return _handle;
        }
    }

    /// <summary>
    /// Builds an index over <paramref name="itemFactors"/> (row-major items × <paramref name="factors"/>); the key of
    /// row i is i. Rows are added longest vectors first, by <paramref name="buildThreads"/> threads (0: one per core);
    /// searches may use <paramref name="searchThreads"/> threads at once (0: one per core).
    /// </summary>
    /// <remarks>
    /// The insertion order matters for inner-product search: HNSW links each new node among those already present, so
    /// adding the long (popular) vectors first makes them the well-connected core that queries are routed through. On
    /// planted data with popularity-scaled norms this lifts recall@100 at 100 candidates from about 0.6 to above 0.99.
    /// That core is therefore built by one thread: the first <see cref="SeedItems"/> rows are added one at a time, and
    /// only the rest are shared among the build threads, each taking the next block of rows in order. Adding the core
    /// concurrently too left some queries stranded in the wrong region (100,000 planted items: 6 of 300 users at
    /// recall 0 with two threads from the first row).
    /// </remarks>
    public static unsafe AnnIndex Build(ReadOnlyMemory<float> itemFactors, int factors, AnnIndexParameters parameters, int searchThreads = 0, IProgress<long>? progress = null, CancellationToken cancellationToken = default, int buildThreads = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.ThrowIfInvalid();
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(buildThreads);
        if (itemFactors.Length % factors != 0)
        {
            throw new ArgumentException($"{itemFactors.Length} floats are not a whole number of {factors}-factor rows.", nameof(itemFactors));
        }

        var items = itemFactors.Length / factors;
        var threads = searchThreads > 0 ? searchThreads : Environment.ProcessorCount;
        var seed = SeedItems(items);
        var builders = Math.Max(1, Math.Min(buildThreads > 0 ? buildThreads : Environment.ProcessorCount, (items - seed) / BuildBlock));
        var clock = Stopwatch.StartNew();
        var augmented = parameters.Metric == AnnIndexParameters.AugmentedL2;
        var rows = ByDescendingNorm(itemFactors.Span, factors, out var maxNorm);
        var info = new AnnIndexInfo
        {
            Parameters = parameters,
            Items = items,
            Factors = factors,
            Dimensions = augmented ? factors + 1 : factors,
            MaxNorm = maxNorm,
            BuildThreads = builders,
            Library = LibraryVersion,
        };
        var handle = Create(info);
        try
        {
            UsearchNative.Reserve(handle, (nuint)Math.Max(1, items), out var error);
            UsearchNative.Check(error, "reserve");
            UsearchNative.ChangeThreadsAdd(handle, (nuint)builders, out error);
            UsearchNative.Check(error, "change_threads_add");
            UsearchNative.ChangeThreadsSearch(handle, (nuint)threads, out error);
            UsearchNative.Check(error, "change_threads_search");

            var added = 0L;
            void AddRows(int from, int to, float[] row)
            {
                var source = itemFactors.Span;
                fixed (float* vector = row)
                {
                    for (var r = from; r < to; r++)
                    {
                        var i = rows[r];
                        var x = source.Slice(i * factors, factors);
                        x.CopyTo(row);
                        if (augmented)
                        {
                            row[factors] = AugmentedCoordinate(maxNorm, TensorPrimitives.Dot(x, x));
                        }

                        UsearchNative.Add(handle, (ulong)i, vector, UsearchNative.ScalarKind.F32, out var addError);
                        UsearchNative.Check(addError, "add");
                    }
                }

                var total = Interlocked.Add(ref added, to - from);
                cancellationToken.ThrowIfCancellationRequested();
                progress?.Report(total);
            }

            var seedRow = new float[info.Dimensions];
            for (var from = 0; from < seed; from += BuildBlock)
            {
                AddRows(from, Math.Min(seed, from + BuildBlock), seedRow);
            }

            var next = seed;
            var workers = new Thread[builders];
            var failures = new Exception?[builders];
            for (var t = 0; t < builders; t++)
            {
                var slot = t;
                workers[t] = new Thread(() =>
                {
                    var row = new float[info.Dimensions];
                    try
                    {
                        for (var from = Interlocked.Add(ref next, BuildBlock) - BuildBlock; from < items; from = Interlocked.Add(ref next, BuildBlock) - BuildBlock)
                        {
                            AddRows(from, Math.Min(items, from + BuildBlock), row);
                        }
                    }
                    catch (Exception e)
                    {
                        failures[slot] = e;
                        Interlocked.Exchange(ref next, items); // the others stop at their next block
                    }
                })
                {
                    IsBackground = true,
                    Name = $"ann-build-{t}",
                };
                workers[t].Start();
            }

            foreach (var worker in workers)
            {
                worker.Join();
            }

            if (failures.FirstOrDefault(f => f is OperationCanceledException) is { } cancelled)
            {
                ExceptionDispatchInfo.Throw(cancelled);
            }

            if (failures.FirstOrDefault(f => f is not null) is { } failure)
            {
                ExceptionDispatchInfo.Throw(failure);
            }

            return new AnnIndex(handle, info with { BuildSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3) }, threads, isView: false);
        }
        catch
        {
            UsearchNative.Free(handle, out _);
            throw;
        }
    }

    /// <summary>Rows added one at a time before the build threads share the rest: 2 % of the items, at least 20,000.</summary>
    public static int SeedItems(int items) => Math.Min(items, Math.Max(20_000, items / 50));

    /// <summary>Memory-maps an index saved by <see cref="Save"/> (read-only); the file must stay in place while it is used.</summary>
    public static AnnIndex View(string directory, int searchThreads = 0)
    {
        var info = AnnIndexInfo.Read(Path.Combine(directory, InfoFileName));
        info.Parameters.ThrowIfInvalid();
        searchThreads = searchThreads > 0 ? searchThreads : Environment.ProcessorCount;
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new AnnIndexException($"The ANN index '{path}' is missing; {InfoFileName} describes it.");
        }

        var handle = Create(info);
        try
        {
            UsearchNative.View(handle, path, out var error);
            UsearchNative.Check(error, "view");
            var size = (long)UsearchNative.Size(handle, out error);
            UsearchNative.Check(error, "size");
            if (size != info.Items)
            {
                throw new AnnIndexException($"The ANN index '{path}' holds {size} items; {InfoFileName} says {info.Items}.");
            }

            UsearchNative.ChangeThreadsSearch(handle, (nuint)searchThreads, out error);
            UsearchNative.Check(error, "change_threads_search");
            UsearchNative.ChangeExpansionSearch(handle, (nuint)info.Parameters.ExpansionSearch, out error);
            UsearchNative.Check(error, "change_expansion_search");
            return new AnnIndex(handle, info, searchThreads, isView: true);
        }
        catch
        {
            UsearchNative.Free(handle, out _);
            throw;
        }
    }

    /// <summary>Sets the search's candidate list (HNSW efSearch); searches use at least the number of results they ask for.</summary>
    public void ChangeExpansion(int expansion)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(expansion, 1);
        UsearchNative.ChangeExpansionSearch(Handle, (nuint)expansion, out var error);
        UsearchNative.Check(error, "change_expansion_search");
    }

    /// <summary>Writes the index and its <see cref="InfoFileName"/> into <paramref name="directory"/>; returns the info as written.</summary>
    public AnnIndexInfo Save(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        UsearchNative.Save(Handle, path, out var error);
        UsearchNative.Check(error, "save");
        var info = Info with { FileBytes = new FileInfo(path).Length };
        info.Write(Path.Combine(directory, InfoFileName));
        return info;
    }

    /// <summary>Waits for a free search context; search through the lease and dispose it promptly.</summary>
    public async ValueTask<Lease> EnterAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        return new Lease(this);
    }

    /// <summary>Searches, waiting synchronously for a context (for tools and tests; servers use <see cref="EnterAsync"/>).</summary>
    public int Search(ReadOnlySpan<float> query, int count, Span<int> indices, Span<float> scores, Func<int, bool>? filter = null)
    {
        _gate.Wait();
        try
        {
            return SearchCore(query, count, indices, scores, filter);
        }
        finally
        {
            _gate.Release();
        }
    }

    private unsafe int SearchCore(ReadOnlySpan<float> query, int count, Span<int> indices, Span<float> scores, Func<int, bool>? filter)
    {
        var d = Info.Factors;
        if (query.Length != d)
        {
            throw new ArgumentException($"The query has {query.Length} factors; the index has {d}.", nameof(query));
        }

        count = Math.Min(count, Math.Min(indices.Length, scores.Length));
        if (count <= 0 || Info.Items == 0)
        {
            return 0;
        }

        var dims = Info.Dimensions;
        Span<float> vector = dims <= StackFloats ? stackalloc float[dims] : new float[dims];
        query.CopyTo(vector);
        if (dims > d)
        {
            vector[d] = 0;
        }

        var keys = ArrayPool<ulong>.Shared.Rent(count);
        var distances = ArrayPool<float>.Shared.Rent(count);
        try
        {
            nuint found;
            nint error;
            fixed (float* q = vector)
            fixed (ulong* k = keys)
            fixed (float* dist = distances)
            {
                if (filter is null)
                {
                    found = UsearchNative.Search(Handle, q, UsearchNative.ScalarKind.F32, (nuint)count, k, dist, out error);
                }
                else
                {
                    var state = GCHandle.Alloc(filter);
                    try
                    {
                        found = UsearchNative.FilteredSearch(Handle, q, UsearchNative.ScalarKind.F32, (nuint)count, &FilterThunk, GCHandle.ToIntPtr(state), k, dist, out error);
                    }
                    finally
                    {
                        state.Free();
                    }
                }
            }

            UsearchNative.Check(error, "search");
            var n = (int)found;
            var queryNorm = dims > d ? TensorPrimitives.Dot(query, query) : 0f;
            var maxNormSquared = Info.MaxNorm * Info.MaxNorm;
            for (var i = 0; i < n; i++)
            {
                indices[i] = (int)keys[i];
                scores[i] = dims > d
                    ? (queryNorm + maxNormSquared - distances[i]) / 2 // |q − x'|² = |q|² + M² − 2 q·x
                    : 1 - distances[i]; // USearch's inner-product distance is 1 − q·x
            }

            return n;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
            ArrayPool<float>.Shared.Return(distances);
        }
    }

    [UnmanagedCallersOnly]
    private static int FilterThunk(ulong key, nint state)
    {
        try
        {
            var filter = (Func<int, bool>)GCHandle.FromIntPtr(state).Target!;
            return filter((int)key) ? 1 : 0;
        }
        catch
        {
            // An exception must not unwind through native frames; an item whose filter throws is left out.
            return 0;
        }
    }

    /// <summary>Takes another reference (a model that searches the index); dispose it when done.</summary>
    public AnnIndex Acquire()
    {
        SharedReference.Acquire(ref _references, this);
        return this;
    }

    /// <summary>Releases one reference; the native index is freed with the last.</summary>
    public void Dispose()
    {
        if (Interlocked.Decrement(ref _references) != 0)
        {
            return;
        }

        var handle = Interlocked.Exchange(ref _handle, 0);
        if (handle != 0)
        {
            UsearchNative.Free(handle, out _);
        }

        _gate.Dispose();
    }

    /// <summary>The extra coordinate that gives an item norm M: √(M² − |x|²), never negative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float AugmentedCoordinate(float maxNorm, float squaredNorm) => MathF.Sqrt(MathF.Max(0, (maxNorm * maxNorm) - squaredNorm));

    /// <summary>Row indices by descending norm, and a hair above the largest norm (so no augmented coordinate is imaginary).</summary>
    private static int[] ByDescendingNorm(ReadOnlySpan<float> factors, int d, out float maxNorm)
    {
        var count = factors.Length / d;
        var rows = new int[count];
        var keys = new float[count];
        for (var r = 0; r < count; r++)
        {
            var row = factors.Slice(r * d, d);
            rows[r] = r;
            keys[r] = -TensorPrimitives.Dot(row, row);
        }

        Array.Sort(keys, rows);
        maxNorm = count == 0 ? 0 : MathF.Sqrt(-keys[0]) * 1.0001f;
        return rows;
    }

    private static nint Create(AnnIndexInfo info)
    {
        var parameters = info.Parameters;
        var options = new UsearchNative.InitOptions
        {
            Metric = parameters.NativeMetric,
            Quantization = parameters.NativeQuantization,
            Dimensions = (nuint)info.Dimensions,
            Connectivity = (nuint)parameters.Connectivity,
            ExpansionAdd = (nuint)parameters.ExpansionAdd,
            ExpansionSearch = (nuint)parameters.ExpansionSearch,
        };
        nint error;
        nint handle;
        unsafe
        {
            handle = UsearchNative.Init(&options, out error);
        }

        UsearchNative.Check(error, "init");
        if (handle == 0)
        {
            throw new AnnIndexException("USearch init returned no index.");
        }

        return handle;
    }

    /// <summary>A held search context; dispose it to let the next search in.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly AnnIndex _index;

        internal Lease(AnnIndex index) => _index = index;

        /// <summary>
        /// Up to <paramref name="count"/> nearest items by inner product, best first: their indices and approximate
        /// scores. With <paramref name="filter"/>, only items it accepts are visited as results.
        /// </summary>
        public int Search(ReadOnlySpan<float> query, int count, Span<int> indices, Span<float> scores, Func<int, bool>? filter = null) =>
            _index.SearchCore(query, count, indices, scores, filter);

        public void Dispose() => _index._gate.Release();
    }
}
