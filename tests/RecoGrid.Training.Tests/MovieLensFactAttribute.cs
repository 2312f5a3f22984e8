namespace RecoGrid.Training.Tests;

/// <summary>
/// Where the MovieLens ml-latest-small ratings are: <c>RECOGRID_MOVIELENS_SMALL</c> (a ratings.csv path), else
/// <c>../shared/datasets/ml-latest-small/ratings.csv</c> beside the repository. The data set is never committed.
/// </summary>
public static class MovieLensSmall
{
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("RECOGRID_MOVIELENS_SMALL") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "RecoGrid.sln")))
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "..", "shared", "datasets", "ml-latest-small", "ratings.csv");
                return File.Exists(candidate) ? System.IO.Path.GetFullPath(candidate) : null;
            }
        }

        return null;
    }
}

/// <summary>A test that needs MovieLens ml-latest-small; skipped, saying so, when the data set is absent.</summary>
public sealed class MovieLensFactAttribute : FactAttribute
{
    public MovieLensFactAttribute()
    {
        if (MovieLensSmall.Path is null)
        {
            Skip = "MovieLens ml-latest-small is absent: set RECOGRID_MOVIELENS_SMALL to its ratings.csv, or put it at ../shared/datasets/ml-latest-small/ beside the repository.";
        }
    }
}
