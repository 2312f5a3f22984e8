using System.Buffers;
using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RecoGrid.Scoring.Onnx;
using RecoGrid.Scoring.Retrieval;

namespace RecoGrid.Scoring;

/// <summary>
/// One loaded model version: its top-K and candidate ONNX Runtime sessions, item id map and availability bias.
/// Thread-safe: the sessions are shared and run concurrently.
/// </summary>
public sealed class ScoringModel : IDisposable
{
    private static readonly string[] TopKInputNames = [ScoringGraphNames.UserVectors, ScoringGraphNames.ItemBias, ScoringGraphNames.ExcludeIndices, ScoringGraphNames.K];
    private static readonly string[] CandidateInputNames = [ScoringGraphNames.UserVectors, ScoringGraphNames.ItemBias, ScoringGraphNames.CandidateIndices, ScoringGraphNames.K];
    private static readonly string[] SimilarInputNames = [ScoringGraphNames.QueryVectors, ScoringGraphNames.ItemBias, ScoringGraphNames.ExcludeIndices, ScoringGraphNames.K, ScoringGraphNames.ItemInverseNorms];
    private static readonly string[] OutputNames = [ScoringGraphNames.Scores, ScoringGraphNames.Indices];

    private const string ExternalDataFolderKey = "session.model_external_initializers_file_folder_path";
    private readonly InferenceSession _topK;
    private readonly InferenceSession _candidates;
    private readonly InferenceSession? _similar;
    private readonly float[]? _inverseNorms;
    private readonly OrtValue? _inverseNormsValue;
    private readonly RunOptions _runOptions = new();
    private readonly float[] _itemBias;
    private readonly OrtValue _itemBiasValue;
    private readonly string[] _itemIds;
    private readonly Dictionary<string, int> _indexById;
    private readonly SharedFactors? _shared;
    private int _disposed;

    private ScoringModel(string version, int factors, string[] itemIds, InferenceSession topK, InferenceSession candidates, InferenceSession? similar, ScoringExecutionProvider provider, SharedFactors? shared)
    {
        _similar = similar;
        if (similar is not null && shared is not null)
        {
            _inverseNorms = InverseNorms(shared.Tables);
            _inverseNormsValue = OrtValue.CreateTensorValueFromMemory(_inverseNorms, [_inverseNorms.Length]);
        }

        ModelVersion = version;
        Factors = factors;
        _itemIds = itemIds;
        _topK = topK;
        _candidates = candidates;
        _shared = shared;
        ExecutionProvider = provider;
        _itemBias = new float[itemIds.Length + 1];
        _itemBias[itemIds.Length] = ScoringGraphNames.SuppressedScore;

        // Pinned once and shared by every run: ONNX Runtime only reads inputs.
        _itemBiasValue = OrtValue.CreateTensorValueFromMemory(_itemBias, [_itemBias.Length]);
        _indexById = new Dictionary<string, int>(itemIds.Length, StringComparer.Ordinal);
        for (var i = 0; i < itemIds.Length; i++)
        {
            _indexById[itemIds[i]] = i;
        }
    }

    public string ModelVersion { get; }

    public int Factors { get; }

    public int ItemCount => _itemIds.Length;

    /// <summary>The provider the sessions actually run on (Cpu after a fallback).</summary>
    public ScoringExecutionProvider ExecutionProvider { get; }

    public IReadOnlyList<string> ItemIds => _itemIds;

    /// <summary>Index of the padding item that exclusion and candidate lists are filled with.</summary>
    public int DummyIndex => _itemIds.Length;

    /// <summary>The item factors the graphs read (null for an artifact with embedded factors).</summary>
    public ItemFactorTables? Tables => _shared?.Tables;

    /// <summary>The version's ANN index for two-stage retrieval, or null when it has none.</summary>
    public AnnIndex? AnnIndex => _shared?.Ann;

    /// <summary>Creates the sessions for an exported artifact; fails here (at start-up) when the execution provider is unusable.</summary>
    public static ScoringModel Load(ScoringModelArtifact artifact, ScoringOptions options, Action<string>? warning = null)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        ScoringOptionsValidator.ThrowIfInvalid(options);
        var shared = SharedFactors.For(artifact);
        try
        {
            return LoadSessions(artifact, options, warning, shared);
        }
        catch
        {
            shared?.Dispose();
            throw;
        }
    }

    private static ScoringModel LoadSessions(ScoringModelArtifact artifact, ScoringOptions options, Action<string>? warning, SharedFactors? shared)
    {
        using var topKOptions = ExecutionProviderSelector.Create(options, warning, out var provider);
        using var candidateOptions = provider == ScoringExecutionProvider.Cuda ? ExecutionProviderSelector.Create(options, null, out _) : ExecutionProviderSelector.CreateCpu(options);
        using var similarOptions = provider == ScoringExecutionProvider.Cuda ? ExecutionProviderSelector.Create(options, null, out _) : ExecutionProviderSelector.CreateCpu(options);
        InferenceSession? topK = null;
        try
        {
            (topK, var candidates, var similar) = CreateSessions(artifact, shared, topKOptions, candidateOptions, similarOptions);
            var model = new ScoringModel(artifact.ModelVersion, artifact.Factors, [.. artifact.ItemIds], topK, candidates, similar, provider, shared);
            model.CheckMetadata();
            return model;
        }
        catch (Exception ex) when (provider == ScoringExecutionProvider.Cuda && ExecutionProviderSelector.IsProviderFailure(ex))
        {
            // The GPU build can accept the provider but fail to load its CUDA libraries when the session starts.
            topK?.Dispose();
            if (!options.AllowCpuFallback)
            {
                throw new ExecutionProviderUnavailableException(ExecutionProviderSelector.UnavailableMessage(ex.Message), ex);
            }

            warning?.Invoke(ExecutionProviderSelector.UnavailableMessage(ex.Message) + " Scoring:AllowCpuFallback is true: scoring on the CPU.");
            using var cpuTopK = ExecutionProviderSelector.CreateCpu(options);
            using var cpuCandidates = ExecutionProviderSelector.CreateCpu(options);
            using var cpuSimilar = ExecutionProviderSelector.CreateCpu(options);
            var (cpuTopKSession, cpuCandidateSession, cpuSimilarSession) = CreateSessions(artifact, shared, cpuTopK, cpuCandidates, cpuSimilar);
            return new ScoringModel(artifact.ModelVersion, artifact.Factors, [.. artifact.ItemIds], cpuTopKSession, cpuCandidateSession, cpuSimilarSession, ScoringExecutionProvider.Cpu, shared);
        }
        catch
        {
            topK?.Dispose();
            throw;
        }
    }

    private static (InferenceSession TopK, InferenceSession Candidates, InferenceSession? Similar) CreateSessions(ScoringModelArtifact artifact, SharedFactors? shared, SessionOptions topKOptions, SessionOptions candidateOptions, SessionOptions similarOptions)
    {
        if (shared is not null)
        {
            // The graphs name their factors as external data; these shared initializers supply them from our memory.
            topKOptions.AddInitializer(ScoringGraphNames.ItemFactorsTransposed, shared.Transposed);
            candidateOptions.AddInitializer(ScoringGraphNames.ItemFactors, shared.ItemMajor);
            similarOptions.AddInitializer(ScoringGraphNames.ItemFactorsTransposed, shared.Transposed);

            // ONNX Runtime checks that the external data files named by a model loaded from bytes exist in this folder.
            topKOptions.AddSessionConfigEntry(ExternalDataFolderKey, shared.Tables.Directory);
            candidateOptions.AddSessionConfigEntry(ExternalDataFolderKey, shared.Tables.Directory);
            similarOptions.AddSessionConfigEntry(ExternalDataFolderKey, shared.Tables.Directory);
        }

        var topK = new InferenceSession(artifact.TopKModel, topKOptions);
        InferenceSession? candidates = null;
        try
        {
            candidates = new InferenceSession(artifact.CandidateModel, candidateOptions);
            var similar = shared is not null && artifact.SimilarModel is not null ? new InferenceSession(artifact.SimilarModel, similarOptions) : null;
            return (topK, candidates, similar);
        }
        catch
        {
            topK.Dispose();
            candidates?.Dispose();
            throw;
        }
    }

    /// <summary>Whether this version has the similar-items graph (it needs the external factor tables).</summary>
    public bool HasSimilarGraph => _similar is not null;

    /// <summary>Item <paramref name="index"/>'s factor row scaled to unit length (all zeros for a zero vector): a similar-items query.</summary>
    public float[] UnitItemVector(int index)
    {
        var tables = _shared?.Tables ?? throw new NotSupportedException($"Model {ModelVersion} has no factor tables.");
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ItemCount);
        var row = tables.ItemVector(index);
        var query = new float[Factors];
        var inverse = _inverseNorms![index];
        for (var f = 0; f < Factors; f++)
        {
            query[f] = row[f] * inverse;
        }

        return query;
    }

    private static float[] InverseNorms(ItemFactorTables tables)
    {
        var norms = new float[tables.Items + 1];
        for (var i = 0; i < tables.Items; i++)
        {
            var row = tables.ItemVector(i);
            var sum = 0d;
            foreach (var value in row)
            {
                sum += (double)value * value;
            }

            norms[i] = sum > 0 ? (float)(1 / Math.Sqrt(sum)) : 0f;
        }

        return norms;
    }

    /// <summary>The top-K model's metadata_props (model version, sizes, item ids) as ONNX Runtime reads them.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _topK.ModelMetadata.CustomMetadataMap;

    public bool TryGetIndex(string itemId, out int index) => _indexById.TryGetValue(itemId, out index);

    /// <summary>Marks an item (un)available for every request; unavailable items get <see cref="ScoringGraphNames.SuppressedScore"/>.</summary>
    public void SetAvailability(int index, bool available)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ItemCount);
        Volatile.Write(ref _itemBias[index], available ? 0f : ScoringGraphNames.SuppressedScore);
    }

    public bool IsAvailable(int index) => !ScoringGraphNames.IsSuppressed(Volatile.Read(ref _itemBias[index]));

    /// <summary>
    /// Runs the full-catalogue graph for <paramref name="batch"/> user vectors (row-major in <paramref name="userVectors"/>),
    /// each with its own exclusions, returning the top <paramref name="k"/> per row (clamped to the item count).
    /// </summary>
    public RankedItems[] RunTopK(ReadOnlySpan<float> userVectors, int batch, IReadOnlyList<ReadOnlyMemory<int>>? exclusions, int k) =>
        RunMasked(_topK, TopKInputNames, userVectors, batch, exclusions, k, extra: null);

    /// <summary>
    /// Runs the similar-items graph for <paramref name="batch"/> unit query vectors (see <see cref="UnitItemVector"/>),
    /// each with its own exclusions, returning the top <paramref name="k"/> items per row by cosine.
    /// </summary>
    public RankedItems[] RunSimilar(ReadOnlySpan<float> queryVectors, int batch, IReadOnlyList<ReadOnlyMemory<int>>? exclusions, int k)
    {
        if (_similar is null)
        {
            throw new NotSupportedException($"Model {ModelVersion} has no similar-items graph (it needs external factor tables).");
        }

        return RunMasked(_similar, SimilarInputNames, queryVectors, batch, exclusions, k, _inverseNormsValue);
    }

    private RankedItems[] RunMasked(InferenceSession session, string[] inputNames, ReadOnlySpan<float> userVectors, int batch, IReadOnlyList<ReadOnlyMemory<int>>? exclusions, int k, OrtValue? extra)
    {
        var maxExcluded = 1;
        if (exclusions is not null)
        {
            for (var row = 0; row < exclusions.Count; row++)
            {
                maxExcluded = Math.Max(maxExcluded, exclusions[row].Length);
            }
        }

        var excludeBuffer = ArrayPool<long>.Shared.Rent(batch * maxExcluded);
        try
        {
            var exclude = excludeBuffer.AsSpan(0, batch * maxExcluded);
            exclude.Fill(DummyIndex);
            for (var row = 0; exclusions is not null && row < Math.Min(batch, exclusions.Count); row++)
            {
                var source = exclusions[row].Span;
                var target = exclude.Slice(row * maxExcluded, maxExcluded);
                for (var j = 0; j < source.Length; j++)
                {
                    target[j] = source[j];
                }
            }

            return Run(session, inputNames, userVectors, batch, excludeBuffer, maxExcluded, Math.Min(k, ItemCount), extra);
        }
        finally
        {
            ArrayPool<long>.Shared.Return(excludeBuffer);
        }
    }

    /// <summary>
    /// Runs the candidate graph: each row is scored only against its own candidate item indices (padding is added here),
    /// returning the top <paramref name="k"/> per row, clamped to the longest candidate list.
    /// </summary>
    public RankedItems[] RunCandidates(ReadOnlySpan<float> userVectors, int batch, IReadOnlyList<ReadOnlyMemory<int>> candidates, int k)
    {
        var width = 1;
        for (var row = 0; row < candidates.Count; row++)
        {
            width = Math.Max(width, candidates[row].Length);
        }

        var buffer = ArrayPool<long>.Shared.Rent(batch * width);
        try
        {
            var padded = buffer.AsSpan(0, batch * width);
            padded.Fill(DummyIndex);
            for (var row = 0; row < Math.Min(batch, candidates.Count); row++)
            {
                var source = candidates[row].Span;
                var target = padded.Slice(row * width, width);
                for (var j = 0; j < source.Length; j++)
                {
                    target[j] = source[j];
                }
            }

            return Run(_candidates, CandidateInputNames, userVectors, batch, buffer, width, Math.Min(k, width));
        }
        finally
        {
            ArrayPool<long>.Shared.Return(buffer);
        }
    }

    private RankedItems[] Run(InferenceSession session, string[] inputNames, ReadOnlySpan<float> userVectors, int batch, long[] indexBuffer, int width, int k, OrtValue? extra = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (userVectors.Length < batch * Factors)
        {
            throw new ArgumentException($"Expected {batch} × {Factors} floats of user vectors, got {userVectors.Length}.", nameof(userVectors));
        }

        var users = ArrayPool<float>.Shared.Rent(batch * Factors);
        var scores = ArrayPool<float>.Shared.Rent(batch * k);
        var indices = ArrayPool<long>.Shared.Rent(batch * k);
        long[] kValue = [k];
        try
        {
            userVectors[..(batch * Factors)].CopyTo(users);
            var memoryInfo = OrtMemoryInfo.DefaultInstance;
            using var userValue = OrtValue.CreateTensorValueFromMemory(memoryInfo, users.AsMemory(0, batch * Factors), [batch, Factors]);
            using var indexValue = OrtValue.CreateTensorValueFromMemory(memoryInfo, indexBuffer.AsMemory(0, batch * width), [batch, width]);
            using var kOrtValue = OrtValue.CreateTensorValueFromMemory(kValue, [1]);
            using var scoresValue = OrtValue.CreateTensorValueFromMemory(memoryInfo, scores.AsMemory(0, batch * k), [batch, k]);
            using var indicesValue = OrtValue.CreateTensorValueFromMemory(memoryInfo, indices.AsMemory(0, batch * k), [batch, k]);
            OrtValue[] inputs = extra is null ? [userValue, _itemBiasValue, indexValue, kOrtValue] : [userValue, _itemBiasValue, indexValue, kOrtValue, extra];
            session.Run(_runOptions, inputNames, inputs, OutputNames, [scoresValue, indicesValue]);

            var rows = new RankedItems[batch];
            for (var row = 0; row < batch; row++)
            {
                var rowIndices = new int[k];
                var rowScores = scores.AsSpan(row * k, k).ToArray();
                var source = indices.AsSpan(row * k, k);
                for (var j = 0; j < k; j++)
                {
                    rowIndices[j] = (int)source[j];
                }

                rows[row] = new RankedItems(rowIndices, rowScores);
            }

            return rows;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(users);
            ArrayPool<float>.Shared.Return(scores);
            ArrayPool<long>.Shared.Return(indices);
        }
    }

    private void CheckMetadata()
    {
        var metadata = Metadata;
        if (metadata.TryGetValue(ScoringMetadataKeys.ItemCount, out var count)
            && count != ItemCount.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidDataException($"Model {ModelVersion}: the ONNX graph has {count} items but {ItemCount} item ids were given.");
        }

        if (metadata.TryGetValue(ScoringMetadataKeys.Factors, out var factors)
            && factors != Factors.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidDataException($"Model {ModelVersion}: the ONNX graph has {factors} factors, expected {Factors}.");
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _topK.Dispose();
        _candidates.Dispose();
        _similar?.Dispose();
        _itemBiasValue.Dispose();
        _inverseNormsValue?.Dispose();
        _runOptions.Dispose();
        _shared?.Dispose();
    }

    /// <summary>
    /// A loaded model's references to its artifact's factor tables and ANN index, and the OrtValues that hand the tables
    /// to the sessions; they must outlive the sessions.
    /// </summary>
    private sealed class SharedFactors : IDisposable
    {
        private SharedFactors(ItemFactorTables tables, AnnIndex? ann)
        {
            Tables = tables;
            Ann = ann;
            var items = tables.Items + 1;
            var bytes = tables.Length * sizeof(float);
            Transposed = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [tables.Factors, items], tables.TransposedPointer, bytes);
            ItemMajor = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [items, tables.Factors], tables.ItemMajorPointer, bytes);
        }

        public ItemFactorTables Tables { get; }

        public AnnIndex? Ann { get; }

        public OrtValue Transposed { get; }

        public OrtValue ItemMajor { get; }

        public static SharedFactors? For(ScoringModelArtifact artifact)
        {
            if (artifact.Tables is null)
            {
                if (artifact.AnnIndex is not null)
                {
                    throw new InvalidDataException($"Model {artifact.ModelVersion}: an ANN index needs the external factor tables this artifact lacks.");
                }

                return null;
            }

            var tables = artifact.Tables.Acquire();
            try
            {
                return new SharedFactors(tables, artifact.AnnIndex?.Acquire());
            }
            catch
            {
                tables.Dispose();
                throw;
            }
        }

        public void Dispose()
        {
            Transposed.Dispose();
            ItemMajor.Dispose();
            Tables.Dispose();
            Ann?.Dispose();
        }
    }
}
