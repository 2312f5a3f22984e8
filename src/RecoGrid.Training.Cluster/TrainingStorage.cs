namespace RecoGrid.Training.Cluster;

/// <summary>The grain storage of training jobs and retraining runs, declared once.</summary>
public static class TrainingStorage
{
    /// <summary>The provider name (<c>Orleans:GrainStorage:training</c>).</summary>
    public const string Name = "training";
}
