using System.Diagnostics;
using RecoGrid.Training.Data;
using RecoGrid.Training.Linalg;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Models;

/// <summary>A trained implicit-ALS factorization: user and item factors, row-major.</summary>
public sealed class IalsModel
{
    private float[]? _itemGram;
    private IalsFoldIn? _foldIn;

    private IalsModel(int users, int items, int factors, float[] userFactors, float[] itemFactors, IalsOptions options)
    {
        Users = users;
        Items = items;
        Factors = factors;
        UserFactors = userFactors;
        ItemFactors = itemFactors;
        Options = options;
    }

    /// <summary>Latent dimension d.</summary>
    public int Factors { get; }

    /// <summary>Number of users (rows of the training matrix).</summary>
    public int Users { get; }

    /// <summary>Number of items (columns of the training matrix).</summary>
    public int Items { get; }

    /// <summary>Users × d, row-major.</summary>
    public float[] UserFactors { get; }

    /// <summary>Items × d, row-major.</summary>
    public float[] ItemFactors { get; }

    /// <summary>The options the model was trained with.</summary>
    public IalsOptions Options { get; }

    /// <summary>
    /// Trains on a user × item matrix of positive weights. Each iteration solves all users given the items, then all
    /// items given the users, so the last half-step is the item solve.
    /// </summary>
    public static IalsModel Fit(CsrMatrix userItems, IalsOptions options, Action<IterationReport>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var d = options.Factors;
        var users = userItems.Rows;
        var items = userItems.Columns;
        var (userFactors, itemFactors) = InitialFactors(users, items, options);
        var model = new IalsModel(users, items, d, userFactors, itemFactors, options);
        if (options.Iterations == 0)
        {
            return model;
        }

        var itemUsers = userItems.Transpose();
        var parameters = options.SolveParameters;
        var settings = options.SolverSettings;
        var gram = new float[d * d];
        GramMatrix.Compute(itemFactors, items, d, options.Threads, gram);
        var stopwatch = new Stopwatch();
        for (var iteration = 1; iteration <= options.Iterations; iteration++)
        {
            ct.ThrowIfCancellationRequested();
            stopwatch.Restart();
            IalsHalfStep.Solve(userItems, userFactors, itemFactors, gram, settings, ct);
            GramMatrix.Compute(userFactors, users, d, options.Threads, gram);
            IalsHalfStep.Solve(itemUsers, itemFactors, userFactors, gram, settings, ct);
            GramMatrix.Compute(itemFactors, items, d, options.Threads, gram);
            var seconds = stopwatch.Elapsed.TotalSeconds;
            double? loss = options.ComputeLoss
                ? IalsLoss.Compute(userItems, userFactors, itemFactors, gram, d, parameters, options.Threads)
                : null;
            progress?.Invoke(new IterationReport(iteration, seconds, loss));
        }

        model._itemGram = gram;
        return model;
    }

    /// <summary>
    /// The factors <see cref="Fit"/> starts from: normal draws of <see cref="IalsOptions.InitScale"/> from
    /// <see cref="IalsOptions.Seed"/>, items first, then users, so a distributed job can start from the same point.
    /// </summary>
    public static (float[] UserFactors, float[] ItemFactors) InitialFactors(int users, int items, IalsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var d = options.Factors;
        var random = new Random(options.Seed);
        var userFactors = new float[(long)users * d];
        var itemFactors = new float[(long)items * d];
        FillNormal(random, itemFactors, options.InitScale);
        FillNormal(random, userFactors, options.InitScale);
        return (userFactors, itemFactors);
    }

    /// <summary>Wraps existing factors, e.g. loaded from an artifact.</summary>
    public static IalsModel FromFactors(int users, int items, int factors, float[] userFactors, float[] itemFactors, IalsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (userFactors.Length != (long)users * factors || itemFactors.Length != (long)items * factors)
        {
            throw new ArgumentException("Factor arrays must be users × factors and items × factors.");
        }

        return new IalsModel(users, items, factors, userFactors, itemFactors, options);
    }

    /// <summary>The fold-in over this model's item side and solve parameters, built (with the item Gram) on first use.</summary>
    public IalsFoldIn FoldIn => _foldIn ??= new IalsFoldIn(ItemFactors, Factors, _itemGram ?? GramMatrix.Compute(ItemFactors, Items, Factors, Options.Threads), Options.SolveParameters);

    /// <summary>YᵀY of the item factors (d×d, row-major), the constant part of every user solve; a fresh copy.</summary>
    public float[] ItemGram() => FoldIn.ItemGram.ToArray();

    /// <summary>Folds in a user from item indices and weights using this model's item side and options.</summary>
    public void FoldInUser(ReadOnlySpan<int> items, ReadOnlySpan<float> weights, Span<float> result) =>
        FoldIn.SolveUser(items, weights, result);

    private static void FillNormal(Random random, float[] values, float scale)
    {
        // Box–Muller, two normals per pair of uniforms; sequential so the result depends only on the seed.
        for (var i = 0; i < values.Length; i += 2)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            var radius = Math.Sqrt(-2.0 * Math.Log(u1)) * scale;
            values[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < values.Length)
            {
                values[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
            }
        }
    }
}
