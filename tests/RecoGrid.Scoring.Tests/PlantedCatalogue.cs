using System.Numerics.Tensors;
using RecoGrid.Scoring.Onnx;
using RecoGrid.Scoring.Retrieval;
using RecoGrid.Training.Synthetic;

namespace RecoGrid.Scoring.Tests;

/// <summary>
/// A catalogue of planted factors (clusters, popularity-scaled norms) with its exact top items per user, exported and
/// indexed once per test class: building the index is the slow part.
/// </summary>
public sealed class PlantedCatalogue : IDisposable
{
    public const int Items = 20_000;
    public const int Factors = 32;
    public const int Users = 60;

    public PlantedCatalogue()
    {
        var planted = new SyntheticFactors(new SyntheticFactorOptions { Items = Items, Users = Users, Factors = Factors, Seed = 11 });
        ItemFactors = planted.Items(threads: 2);
        UserFactors = planted.Users(threads: 2);
        Index = AnnIndex.Build(ItemFactors, Factors, AnnIndexParameters.Default);
        Artifact = ItemFactorModelExporter.Export("planted", ItemFactors, Factors, TestModels.ItemIds(Items)).WithAnnIndex(Index.Acquire());
    }

    public float[] ItemFactors { get; }

    public float[] UserFactors { get; }

    public AnnIndex Index { get; }

    /// <summary>The exported model with the index attached.</summary>
    public ScoringModelArtifact Artifact { get; }

    public ReadOnlyMemory<float> User(int user) => UserFactors.AsMemory(user * Factors, Factors);

    /// <summary>Exact scores of every item for one user.</summary>
    public float[] Scores(int user)
    {
        var scores = new float[Items];
        for (var i = 0; i < Items; i++)
        {
            scores[i] = TensorPrimitives.Dot(User(user).Span, ItemFactors.AsSpan(i * Factors, Factors));
        }

        return scores;
    }

    /// <summary>The exact top <paramref name="k"/> items among those <paramref name="allowed"/> keeps.</summary>
    public int[] ExactTop(int user, int k, Func<int, bool>? allowed = null)
    {
        var scores = Scores(user);
        return [.. Enumerable.Range(0, Items).Where(i => allowed?.Invoke(i) ?? true).OrderByDescending(i => scores[i]).Take(k)];
    }

    public void Dispose()
    {
        Artifact.Dispose();
        Index.Dispose();
    }
}
